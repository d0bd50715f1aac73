/**
 * RetryJob: a FAILED job goes back to WAITING as attempt + 1 and is
 * dispatched again. Like a submit, it must hold credits first, at the job
 * type's price in force now (the catalog may have changed since the first
 * attempt); a test-mode job stays free. INSUFFICIENT_CREDITS leaves the job
 * FAILED and untouched. Any other status is a CONFLICT, as is losing a race
 * with a concurrent retry of the same attempt (exactly one wins).
 */
import { conflict } from "../domain/domain-error.js";
import { transition } from "../domain/job-state-machine.js";
import { estimateCost } from "../domain/pricing.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";
import type { JobStore } from "../adapters/postgres/job-store.js";
import type { AfterCommit } from "./after-commit.js";
import { getJob } from "./get-job.js";
import type { JobCatalog } from "./job-catalog.js";

export interface RetryJobDeps {
  readonly jobs: Pick<JobStore, "getJob" | "applyEvent">;
  readonly catalog: Pick<JobCatalog, "find">;
  /** Carries out publishDispatch once the retry is committed. */
  readonly afterCommit: AfterCommit;
}

const RETRY = { kind: "retryRequested" } as const;

export async function retryJob(deps: RetryJobDeps, orgId: string, jobId: string): Promise<JobRecord> {
  const job = await getJob(deps.jobs, orgId, jobId);
  const decided = transition(job.status, RETRY);
  // The state machine allows a retry only from FAILED.
  if (!decided.ok) throw conflict(`job ${job.id}: ${decided.reason}`);
  const type = await deps.catalog.find(job.type);
  // jobs.type references job_types, so the type cannot have vanished.
  if (type === undefined) throw new Error(`job ${job.id} has type ${job.type}, which the catalog lacks`);
  const estimatedCredits = estimateCost({ ...type, testMode: job.testMode });
  const applied = await deps.jobs.applyEvent(job.id, { status: job.status, attempt: job.attempt }, RETRY, {
    estimatedCredits,
  });
  await deps.afterCommit.run(applied.job, applied.effects);
  return applied.job;
}
