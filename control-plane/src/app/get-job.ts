/**
 * GetJob, and the lookup every per-job use case starts with. Another org's
 * job is NOT_FOUND — never FORBIDDEN, which would confirm that the id exists
 * — and so is a string that cannot be a job id, without touching the
 * database.
 */
import { notFound } from "../domain/domain-error.js";
import { isJobId } from "../domain/ids.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";
import type { JobStore } from "../adapters/postgres/job-store.js";

/** How a job is named in NOT_FOUND messages: user input, so bounded. */
function jobLabel(jobId: string): string {
  return `job ${JSON.stringify(jobId.slice(0, 80))}`;
}

/** The org's job `jobId`; NOT_FOUND when it is malformed, missing or another org's. */
export async function getJob(jobs: Pick<JobStore, "getJob">, orgId: string, jobId: string): Promise<JobRecord> {
  if (!isJobId(jobId)) throw notFound(jobLabel(jobId));
  const job = await jobs.getJob(jobId);
  if (job === undefined || job.orgId !== orgId) throw notFound(jobLabel(jobId));
  return job;
}
