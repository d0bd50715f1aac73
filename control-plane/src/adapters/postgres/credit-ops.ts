/**
 * Credit movements inside a caller's transaction. Each changes the account
 * row and appends the matching ledger rows, so that for every org, always:
 *   balance == Σ topup − Σ capture
 *   held    == Σ hold − Σ capture − Σ release
 * A hold is one guarded statement (`… where balance - held >= amount`): two
 * racing holds serialise on the account row and the second re-checks against
 * the first's result, so the account can never be over-committed.
 */
import type { QueryResult } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { insufficientCredits } from "../../domain/domain-error.js";

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

/**
 * Runs `statement` (`with account as (…) insert into credit_ledger …`) with
 * `alongside` — another data-modifying statement of the caller's
 * transaction, e.g. its outbox insert — as one more CTE of the same
 * statement: one round trip instead of two. Returns the ledger rows written.
 */
async function runMovement(em: EntityManager, statement: SqlStatement, alongside?: SqlStatement): Promise<number> {
  const sql = alongside ? `with alongside as (${alongside.sql}), ${statement.sql.replace(/^\s*with /, "")}` : statement.sql;
  const params = alongside ? [...alongside.params, ...statement.params] : statement.params;
  const res = await em.execute<QueryResult>(sql, [...params], "run");
  return res.affectedRows;
}

/** Runs `alongside` on its own when no credits move. */
async function runAlone(em: EntityManager, alongside: SqlStatement | undefined): Promise<void> {
  if (alongside) await em.execute(alongside.sql, [...alongside.params], "run");
}

/**
 * Holds `amount` for the job; INSUFFICIENT_CREDITS (nothing changed) when
 * available < amount. `alongside`: see runMovement (it runs also when
 * `amount` is 0).
 *
 * The account update and its ledger row are one statement, and callers make
 * it the last statement of their transaction: the org's account row is the
 * one row every submit and every settlement of the org writes, and its lock
 * is held until COMMIT, so whatever ran after it (more round trips) would
 * serialise the whole org behind it.
 */
export async function holdCredits(em: EntityManager, ref: JobRef, amount: number, alongside?: SqlStatement): Promise<void> {
  if (amount === 0) return runAlone(em, alongside);
  const written = await runMovement(
    em,
    {
      sql: `with account as (
              update credit_accounts set held = held + ?, updated_at = now()
               where org_id = ? and balance - held >= ?
              returning org_id
            )
            insert into credit_ledger (org_id, kind, amount, job_id, attempt)
            select org_id, 'hold', ?, ?, ? from account`,
      params: [amount, ref.orgId, amount, amount, ref.jobId, ref.attempt],
    },
    alongside,
  );
  if (written === 0) {
    throw insufficientCredits(await availableCredits(em, ref.orgId), amount);
  }
}

/**
 * Ends a job's hold: charges `captured` (≤ held) from the balance and
 * releases the rest. `captured` = 0 is a plain release. One statement, last
 * in its transaction, like holdCredits; `alongside` likewise.
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
  const written = await runMovement(
    em,
    {
      sql: `with account as (
              update credit_accounts set balance = balance - ?, held = held - ?, updated_at = now()
               where org_id = ?
              returning org_id
            )
            insert into credit_ledger (org_id, kind, amount, job_id, attempt)
            select account.org_id, movement.kind, movement.amount, ?, ?
              from account, (values (1, 'capture', ?::bigint), (2, 'release', ?::bigint)) as movement (n, kind, amount)
             where movement.amount > 0
             order by movement.n`,
      params: [captured, held, ref.orgId, ref.jobId, ref.attempt, captured, released],
    },
    alongside,
  );
  if (written === 0) throw new Error(`job ${ref.jobId} holds credits but org ${ref.orgId} has no account`);
}

/** Adds bought credits; creates the account on first use. */
export async function topUpCredits(em: EntityManager, orgId: string, amount: number, memo: string): Promise<void> {
  await em.execute(
    `insert into credit_accounts (org_id, balance) values (?, ?)
      on conflict (org_id) do update set balance = credit_accounts.balance + excluded.balance, updated_at = now()`,
    [orgId, amount],
    "run",
  );
  await em.execute(
    "insert into credit_ledger (org_id, kind, amount, memo) values (?, 'topup', ?, ?)",
    [orgId, amount, memo],
    "run",
  );
}
