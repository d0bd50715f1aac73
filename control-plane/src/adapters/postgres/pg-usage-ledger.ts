/**
 * UsageLedger on PostgreSQL: keyset pages of credit_ledger over
 * credit_ledger_org_idx (org_id, id desc); with a job filter Postgres
 * narrows through credit_ledger_job_idx instead.
 */
import type { LedgerEntryRecord, UsageLedger } from "../../app/billing.js";
import type { LedgerKind } from "./entities/credit-ledger-entry.js";
import type { Orm } from "./orm.js";

interface LedgerRowJson {
  readonly id: string;
  readonly kind: LedgerKind;
  readonly amount: number;
  readonly job_id: string | null;
  readonly attempt: number | null;
  readonly memo: string;
  readonly created_at: string;
}

export function createPgUsageLedger(orm: Orm): UsageLedger {
  return {
    async listEntries(orgId, jobId, beforeId, limit): Promise<LedgerEntryRecord[]> {
      const conditions = ["l.org_id = ?"];
      const params: unknown[] = [orgId];
      if (jobId !== "") {
        conditions.push("l.job_id = ?");
        params.push(jobId);
      }
      if (beforeId !== undefined) {
        conditions.push("l.id < ?::bigint");
        params.push(beforeId);
      }
      // The id goes out as text: a bigserial may outgrow a JS number.
      const rows = await orm.em.fork().execute<{ e: LedgerRowJson }[]>(
        `select to_jsonb(l) || jsonb_build_object('id', l.id::text) as e
           from credit_ledger l
          where ${conditions.join(" and ")}
          order by l.id desc
          limit ?`,
        [...params, limit],
      );
      return rows.map(({ e }) => ({
        id: e.id,
        kind: e.kind,
        amount: Number(e.amount),
        jobId: e.job_id,
        attempt: e.attempt,
        memo: e.memo,
        createdAt: new Date(e.created_at),
      }));
    },
  };
}
