/**
 * BillingService use cases: an org's credit position and its ledger.
 *
 * The balance comes from credit_accounts (kept equal to the ledger's sums in
 * the same transactions that write the ledger, so reading it is one row).
 * Usage is the append-only ledger itself, newest first, paged on the
 * entry's id (a bigserial: later entries have larger ids), optionally for
 * one job.
 */
import type { Balance, CreditLedger } from "../adapters/postgres/credit-ledger.js";
import type { LedgerKind } from "../adapters/postgres/entities/credit-ledger-entry.js";
import { decodeCursor, encodeCursor, pageSize } from "../domain/page-cursor.js";

/** One credit_ledger row. */
export interface LedgerEntryRecord {
  /** bigserial, as a decimal string. */
  readonly id: string;
  readonly kind: LedgerKind;
  readonly amount: number;
  readonly jobId: string | null;
  readonly attempt: number | null;
  readonly memo: string;
  readonly createdAt: Date;
}

/** The read side of the ledger that ListUsage needs; PgUsageLedger implements it. */
export interface UsageLedger {
  /** Up to `limit` of the org's entries with id < `beforeId` (all when undefined), newest first. */
  listEntries(orgId: string, jobId: string, beforeId: string | undefined, limit: number): Promise<LedgerEntryRecord[]>;
}

export interface ListUsageQuery {
  /** 0 = default (50); at most 100. */
  readonly limit: number;
  /** "" for the first page. */
  readonly cursor: string;
  /** "" for every entry of the org. */
  readonly jobId: string;
}

export interface UsagePage {
  readonly entries: readonly LedgerEntryRecord[];
  /** "" on the last page. */
  readonly nextCursor: string;
}

const LEDGER_ID = /^[1-9][0-9]{0,18}$/;

/** GetBalance: all zero for an org that never had credits. */
export function getBalance(ledger: Pick<CreditLedger, "getBalance">, orgId: string): Promise<Balance> {
  return ledger.getBalance(orgId);
}

/** ListUsage: one page of the org's ledger. */
export async function listUsage(usage: UsageLedger, orgId: string, query: ListUsageQuery): Promise<UsagePage> {
  const limit = pageSize(query.limit);
  const [beforeId] = query.cursor === "" ? [] : decodeCursor(query.cursor, [(t) => LEDGER_ID.test(t)]);
  const rows = await usage.listEntries(orgId, query.jobId, beforeId, limit + 1);
  const entries = rows.slice(0, limit);
  const last = entries.at(-1);
  return { entries, nextCursor: rows.length > limit && last !== undefined ? encodeCursor([last.id]) : "" };
}
