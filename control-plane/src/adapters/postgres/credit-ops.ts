/**
 * Credit movements inside a caller's transaction. Each changes the account
 * row and appends the matching ledger rows, so that for every org, always:
 *   balance == Σ topup − Σ capture
 *   held    == Σ hold − Σ capture − Σ release
 * A hold is one guarded statement (`… where balance - held >= amount`): two
 * racing holds serialise on the account row and the second re-checks against
 * the first's result, so the account can never be over-committed.
 *
 * Balance events: every movement's statement also returns the account as it
 * left it (RETURNING) and the org's low-balance threshold, in the same round
 * trip. Available before = available after − the movement's own change to
 * it (exact: the row is locked by the statement), and balanceAlert decides
 * whether balance.low or balance.depleted fires; only then does one more
 * INSERT put the event in the outbox, in the same transaction. So a movement
 * that crosses nothing costs what it did before (the benchmark's
 * transactions and statements per job are unchanged), and racing movements
 * each see their own before/after: one event per crossing, never two.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { balanceAlert, balanceSnapshot } from "../../domain/balance-alerts.js";
import { insufficientCredits } from "../../domain/domain-error.js";
import { newId } from "../../domain/ids.js";
import { signalCreditsMoved } from "./pg-credit-signals.js";

/** A job's attempt a movement belongs to. */
export interface JobRef {
  readonly orgId: string;
  readonly jobId: string;
  readonly attempt: number;
}

/** Available credits (balance − held), 0 without an account. */
export async function availableCredits(em: EntityManager, orgId: string): Promise<number> {
  const [row] = await em.execute<{ available: string }[]>(
    "select balance - held as available from credit_accounts where org_id = ?",
    [orgId],
  );
  return row === undefined ? 0 : Number(row.available);
}

/** SQL with its `?` placeholders' values, in order. */
export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** The account after a movement, as the movement statements return it (bigints as text). */
interface AccountAfter {
  readonly balance: string;
  readonly held: string;
  readonly threshold: string;
}

/**
 * The final SELECT of a movement statement whose account CTE is `account`
 * (`… returning org_id, balance, held`): one row when the account changed,
 * none when the guard refused.
 */
const ACCOUNT_AFTER = `select account.balance::text as balance, account.held::text as held,
       orgs.low_balance_credits::text as threshold
  from account join orgs on orgs.id = account.org_id`;

/**
 * Appends balance.low / balance.depleted to the outbox when this movement
 * crossed: `availableDelta` is what the movement added to available
 * (negative for a hold). Returns the event id, if one fired.
 */
async function emitBalanceEvent(
  em: EntityManager,
  orgId: string,
  after: AccountAfter,
  availableDelta: number,
): Promise<string | undefined> {
  const balance = Number(after.balance);
  const held = Number(after.held);
  const threshold = Number(after.threshold);
  const available = balance - held;
  const type = balanceAlert(available - availableDelta, available, threshold);
  if (type === undefined) return undefined;
  const eventId = newId("evt");
  await em.execute(
    "insert into job_events (event_id, org_id, type, payload) values (?, ?, ?, ?::jsonb)",
    [eventId, orgId, type, JSON.stringify(balanceSnapshot(type, balance, held, threshold))],
    "run",
  );
  return eventId;
}

/**
 * Runs `statement` (`with account as (…), ledger as (insert into
 * credit_ledger …) <ACCOUNT_AFTER>`) with `alongside` — another
 * data-modifying statement of the caller's transaction, e.g. its outbox
 * insert — as one more CTE of the same statement: one round trip instead of
 * two. Returns false when no account row changed (a refused guard, or no
 * account); otherwise emits the balance event the movement crossed, if any.
 */
async function runMovement(
  em: EntityManager,
  orgId: string,
  availableDelta: number,
  statement: SqlStatement,
  alongside?: SqlStatement,
): Promise<boolean> {
  const sql = alongside ? `with alongside as (${alongside.sql}), ${statement.sql.replace(/^\s*with /, "")}` : statement.sql;
  const params = alongside ? [...alongside.params, ...statement.params] : statement.params;
  const [after] = await em.execute<AccountAfter[]>(sql, [...params]);
  if (after === undefined) return false;
  await emitBalanceEvent(em, orgId, after, availableDelta);
  return true;
}

/** Runs `alongside` on its own when no credits move. */
async function runAlone(em: EntityManager, alongside: SqlStatement | undefined): Promise<void> {
  if (alongside) await em.execute(alongside.sql, [...alongside.params], "run");
}

/**
 * Holds `amount` for the job; INSUFFICIENT_CREDITS (nothing changed) when
 * available < amount. `alongside`: see runMovement (it runs also when
 * `amount` is 0). The one movement that lowers available: the one that can
 * fire balance.low / balance.depleted.
 *
 * The account update and its ledger row are one statement, and callers make
 * it the last statement of their transaction: the org's account row is the
 * one row every submit and every settlement of the org writes, and its lock
 * is held until COMMIT, so whatever ran after it (more round trips) would
 * serialise the whole org behind it. (Only a hold that crosses adds its
 * balance event's INSERT after it; one that crosses nothing adds nothing.)
 */
export async function holdCredits(em: EntityManager, ref: JobRef, amount: number, alongside?: SqlStatement): Promise<void> {
  if (amount === 0) return runAlone(em, alongside);
  const held = await runMovement(
    em,
    ref.orgId,
    -amount,
    {
      sql: `with account as (
              update credit_accounts set held = held + ?, updated_at = now()
               where org_id = ? and balance - held >= ?
              returning org_id, balance, held
            ),
            ledger as (
              insert into credit_ledger (org_id, kind, amount, job_id, attempt)
              select org_id, 'hold', ?, ?, ? from account
            )
            ${ACCOUNT_AFTER}`,
      params: [amount, ref.orgId, amount, amount, ref.jobId, ref.attempt],
    },
    alongside,
  );
  if (!held) {
    throw insufficientCredits(await availableCredits(em, ref.orgId), amount);
  }
}

/**
 * Ends a job's hold: charges `captured` (≤ held) from the balance and
 * releases the rest. `captured` = 0 is a plain release. One statement, last
 * in its transaction, like holdCredits; `alongside` likewise. Available
 * rises by the released part (the capture comes out of the hold).
 */
export async function settleHold(
  em: EntityManager,
  ref: JobRef,
  held: number,
  captured: number,
  alongside?: SqlStatement,
): Promise<void> {
  if (captured < 0 || captured > held) {
    throw new RangeError(`cannot capture ${captured} of a hold of ${held}`);
  }
  if (held === 0) return runAlone(em, alongside);
  const released = held - captured;
  // held > 0, so at least one of the two ledger rows is written exactly when the account row was.
  const settled = await runMovement(
    em,
    ref.orgId,
    released,
    {
      sql: `with account as (
              update credit_accounts set balance = balance - ?, held = held - ?, updated_at = now()
               where org_id = ?
              returning org_id, balance, held
            ),
            ledger as (
              insert into credit_ledger (org_id, kind, amount, job_id, attempt)
              select account.org_id, movement.kind, movement.amount, ?, ?
                from account, (values (1, 'capture', ?::bigint), (2, 'release', ?::bigint)) as movement (n, kind, amount)
               where movement.amount > 0
               order by movement.n
            )
            ${ACCOUNT_AFTER}`,
      params: [captured, held, ref.orgId, ref.jobId, ref.attempt, captured, released],
    },
    alongside,
  );
  if (!settled) throw new Error(`job ${ref.jobId} holds credits but org ${ref.orgId} has no account`);
}

/**
 * Adds bought credits; creates the account on first use. Raises available by
 * `amount`. The one movement without a job event, so it signals the org's
 * balance watchers itself (one NOTIFY, delivered on commit; top-ups are rare).
 */
export async function topUpCredits(em: EntityManager, orgId: string, amount: number, memo: string): Promise<void> {
  const [after] = await em.execute<AccountAfter[]>(
    `insert into credit_accounts as a (org_id, balance) values (?, ?)
      on conflict (org_id) do update set balance = a.balance + excluded.balance, updated_at = now()
     returning a.balance::text as balance, a.held::text as held,
               (select o.low_balance_credits from orgs o where o.id = a.org_id)::text as threshold`,
    [orgId, amount],
  );
  await em.execute(
    "insert into credit_ledger (org_id, kind, amount, memo) values (?, 'topup', ?, ?)",
    [orgId, amount, memo],
    "run",
  );
  if (after) await emitBalanceEvent(em, orgId, after, amount);
  await signalCreditsMoved(em, orgId);
}
