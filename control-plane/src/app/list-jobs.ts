/**
 * ListJobs: an org's jobs, newest first, filtered by status, type and
 * creation time, in pages of at most 100. Pages are keyed on
 * (created_at, id) — the same order as the jobs_org_listing_idx index — so a
 * page boundary never moves when jobs are added (no duplicates, no gaps) and
 * each page is an index range scan whatever the depth.
 *
 * The store returns each job's exact created_at (microseconds; a JS Date
 * keeps only milliseconds, and rounding it would skip or repeat jobs created
 * within one millisecond) for the cursor.
 */
import type { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { validationError, type Violation } from "../domain/domain-error.js";
import { isJobId } from "../domain/ids.js";
import { statusName } from "../domain/job-status.js";
import { decodeCursor, encodeCursor, pageSize } from "../domain/page-cursor.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";

/** Position in the listing: the exact created_at (UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`) and id of a job. */
export interface JobListKey {
  readonly createdAt: string;
  readonly id: string;
}

export interface JobListFilter {
  /** Empty: every status. */
  readonly statuses: readonly JobStatus[];
  /** Empty: every type. */
  readonly type: string;
  /** Inclusive. */
  readonly createdAfter: Date | undefined;
  /** Exclusive. */
  readonly createdBefore: Date | undefined;
}

export interface ListedJob {
  readonly job: JobRecord;
  readonly key: JobListKey;
}

/** The read side the use case needs; PgJobLister implements it. */
export interface JobLister {
  /** Up to `limit` of the org's jobs matching `filter`, strictly after `after`, newest first. */
  listJobs(orgId: string, filter: JobListFilter, after: JobListKey | undefined, limit: number): Promise<ListedJob[]>;
}

export interface ListJobsQuery extends JobListFilter {
  /** 0 = default (50); at most 100. */
  readonly limit: number;
  /** "" for the first page. */
  readonly cursor: string;
}

export interface JobPage {
  readonly jobs: readonly JobRecord[];
  /** "" on the last page. */
  readonly nextCursor: string;
}

const EXACT_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function statusViolations(statuses: readonly JobStatus[]): Violation[] {
  return statuses.flatMap((status, i) =>
    statusName(status) === "unspecified" ? [{ path: `/statuses/${i}`, description: "must be a job status" }] : [],
  );
}

export async function listJobs(lister: JobLister, orgId: string, query: ListJobsQuery): Promise<JobPage> {
  const violations = statusViolations(query.statuses);
  if (violations.length > 0) throw validationError(violations);
  const limit = pageSize(query.limit);
  let after: JobListKey | undefined;
  if (query.cursor !== "") {
    const [createdAt = "", id = ""] = decodeCursor(query.cursor, [(t) => EXACT_UTC.test(t), isJobId]);
    after = { createdAt, id };
  }
  // One extra row says whether another page follows, without a count query.
  const rows = await lister.listJobs(orgId, query, after, limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last !== undefined ? encodeCursor([last.key.createdAt, last.key.id]) : "";
  return { jobs: page.map((r) => r.job), nextCursor };
}
