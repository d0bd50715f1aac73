/**
 * JobLister on PostgreSQL: one keyset query per page over
 * jobs_org_listing_idx (org_id, created_at desc, id desc). The row
 * comparison `(created_at, id) < (?, ?)` continues strictly after the last
 * job of the previous page; the cursor's created_at is rendered to the
 * microsecond so it compares exactly.
 */
import type { JobListFilter, JobListKey, JobLister, ListedJob } from "../../app/list-jobs.js";
import { statusName } from "../../domain/job-status.js";
import { jobFromRow, type JobRowJson } from "./job-record.js";
import type { Orm } from "./orm.js";

/** created_at in UTC with all six fractional digits: what the cursor carries. */
const EXACT_CREATED_AT = `to_char(j.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function whereClause(orgId: string, filter: JobListFilter, after: JobListKey | undefined) {
  const conditions = ["j.org_id = ?"];
  const params: unknown[] = [orgId];
  if (filter.statuses.length > 0) {
    conditions.push(`j.status in (${filter.statuses.map(() => "?").join(", ")})`);
    params.push(...filter.statuses.map(statusName));
  }
  if (filter.type !== "") {
    conditions.push("j.type = ?");
    params.push(filter.type);
  }
  if (filter.createdAfter !== undefined) {
    conditions.push("j.created_at >= ?::timestamptz");
    params.push(filter.createdAfter.toISOString());
  }
  if (filter.createdBefore !== undefined) {
    conditions.push("j.created_at < ?::timestamptz");
    params.push(filter.createdBefore.toISOString());
  }
  if (after !== undefined) {
    conditions.push("(j.created_at, j.id) < (?::timestamptz, ?)");
    params.push(after.createdAt, after.id);
  }
  return { sql: conditions.join(" and "), params };
}

export function createPgJobLister(orm: Orm): JobLister {
  return {
    async listJobs(orgId, filter, after, limit): Promise<ListedJob[]> {
      const where = whereClause(orgId, filter, after);
      const rows = await orm.em.fork().execute<{ job: JobRowJson; created_key: string }[]>(
        `select to_jsonb(j) as job, ${EXACT_CREATED_AT} as created_key
           from jobs j
          where ${where.sql}
          order by j.created_at desc, j.id desc
          limit ?`,
        [...where.params, limit],
      );
      return rows.map((r) => ({ job: jobFromRow(r.job), key: { createdAt: r.created_key, id: r.job.id } }));
    },
  };
}
