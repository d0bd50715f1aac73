/**
 * CancelJob.
 *
 *   WAITING / DISPATCHED → CANCELLED at once, the hold released (one store
 *                          transaction: status, ledger, job.cancelled).
 *   RUNNING              → stays RUNNING with cancel_requested set and a
 *                          job.cancel_requested event; the agent is told
 *                          (notifyAgent, after the commit) and ends the job
 *                          CANCELLED when it stops. Asking again returns the
 *                          job unchanged, without a second event.
 *   COMPLETE / FAILED / CANCELLED → CONFLICT.
 *
 * The status is read, then written with a guarded update. If it moved in
 * between (a dispatch or a claim won the race), the store answers CONFLICT;
 * the job is then read again and the cancel re-decided from its new status,
 * a bounded number of times — each round means some other transition
 * committed, and a job has only a few transitions before it is terminal.
 */
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { conflict, DomainError } from "../domain/domain-error.js";
import { transition } from "../domain/job-state-machine.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";
import type { JobStore } from "../adapters/postgres/job-store.js";
import type { AfterCommit } from "./after-commit.js";
import { getJob } from "./get-job.js";

export interface CancelJobDeps {
  readonly jobs: Pick<JobStore, "getJob" | "applyEvent">;
  /** Carries out notifyAgent for a RUNNING job once the request is committed. */
  readonly afterCommit: AfterCommit;
}

/** Rounds of read → guarded write before giving up with the last CONFLICT. */
export const CANCEL_ATTEMPTS = 5;

const CANCEL = { kind: "cancelRequested" } as const;

export async function cancelJob(deps: CancelJobDeps, orgId: string, jobId: string): Promise<JobRecord> {
  let lastConflict: DomainError | undefined;
  for (let round = 0; round < CANCEL_ATTEMPTS; round++) {
    const job = await getJob(deps.jobs, orgId, jobId);
    if (job.status === JobStatus.RUNNING && job.cancelRequested) return job;
    const decided = transition(job.status, CANCEL);
    if (!decided.ok) throw conflict(`job ${job.id}: ${decided.reason}`);
    try {
      const applied = await deps.jobs.applyEvent(job.id, { status: job.status, attempt: job.attempt }, CANCEL);
      await deps.afterCommit.run(applied.job, applied.effects);
      return applied.job;
    } catch (err) {
      if (!(err instanceof DomainError) || err.code !== ErrorCode.CONFLICT) throw err;
      lastConflict = err;
    }
  }
  throw lastConflict ?? conflict(`job ${jobId} kept changing; try again`);
}
