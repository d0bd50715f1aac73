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
import type { LedgerKind } from "./entities/credit-ledger-entry.js";

interface LedgerRow {
  readonly kind: LedgerKind;
  readonly amount: number;
}

/** A job's attempt a movement belongs to. */
export interface JobRef {
  readonly orgId: string;
  readonly jobId: string;
  readonly attempt: number;
}

async function appendLedger(em: EntityManager, ref: JobRef, rows: readonly LedgerRow[]): Promise<void> {
  const nonZero = rows.filter((r) => r.amount > 0);
  if (nonZero.length === 0) return;
  const values = nonZero.map(() => "(?, ?, ?, ?, ?)").join(", ");
  await em.execute(
    `insert into credit_ledger (org_id, kind, amount, job_id, attempt) values ${values}`,
    nonZero.flatMap((r) => [ref.orgId, r.kind, r.amount, ref.jobId, ref.attempt]),
    "run",
  );
}

/** Available credits (balance − held), 0 without an account. */
export async function availableCredits(em: EntityManager, orgId: string): Promise<number> {
  const [row] = await em.execute<{ available: string }[]>(
    "select balance - held as available from credit_accounts where org_id = ?",
    [orgId],
  );
  return row === undefined ? 0 : Number(row.available);
}

/** Holds `amount` for the job; INSUFFICIENT_CREDITS (nothing changed) when available < amount. */
export async function holdCredits(em: EntityManager, ref: JobRef, amount: number): Promise<void> {
  if (amount === 0) return;
  const res = await em.execute<QueryResult>(
    `update credit_accounts set held = held + ?, updated_at = now()
      where org_id = ? and balance - held >= ?`,
    [amount, ref.orgId, amount],
    "run",
  );
  if (res.affectedRows === 0) {
    throw insufficientCredits(await availableCredits(em, ref.orgId), amount);
  }
  await appendLedger(em, ref, [{ kind: "hold", amount }]);
}

/**
 * Ends a job's hold: charges `captured` (≤ held) from the balance and
 * releases the rest. `captured` = 0 is a plain release.
 */
export async function settleHold(em: EntityManager, ref: JobRef, held: number, captured: number): Promise<void> {
  if (captured < 0 || captured > held) {
    throw new RangeError(`cannot capture ${captured} of a hold of ${held}`);
  }
  if (held === 0) return;
  const res = await em.execute<QueryResult>(
    "update credit_accounts set balance = balance - ?, held = held - ?, updated_at = now() where org_id = ?",
    [captured, held, ref.orgId],
    "run",
  );
  if (res.affectedRows !== 1) throw new Error(`job ${ref.jobId} holds credits but org ${ref.orgId} has no account`);
  await appendLedger(em, ref, [
    { kind: "capture", amount: captured },
    { kind: "release", amount: held - captured },
  ]);
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
