/**
 * The job side of dead-lettering, separate from the NATS plumbing
 * (adapters/nats/dead-letter.ts, dead-letter-redrive.ts).
 *
 * exhaustDispatch — JetStream gave up delivering attempt N of a job:
 *   DISPATCHED(N) → FAILED with DISPATCH_EXHAUSTED, hold released. A job still
 *   WAITING(N) (its publish ack lost the race with the advisory — rare, but
 *   the message exists, so it was published) is first marked `published`.
 *   Anything else — claimed since, cancelled, retried, already exhausted —
 *   is left alone. Idempotent: the answer says whether the job *is* FAILED
 *   DISPATCH_EXHAUSTED on that attempt, whoever did it, so a repeated
 *   advisory copies the message to the DLQ again (deduplicated) and no more.
 *
 * redriveJob — a manual retry for a dead-lettered attempt: the job must be
 *   FAILED with DISPATCH_EXHAUSTED on exactly that attempt; it becomes
 *   WAITING(N + 1) with a new hold (INSUFFICIENT_CREDITS otherwise) and the
 *   dispatcher publishes the new attempt. A job that moved on (a user retried
 *   it) makes the dead letter stale.
 */
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";
import type { JobStore } from "../adapters/postgres/job-store.js";
import { errorCodeName } from "../domain/error-table.js";
import type { AfterCommit } from "./after-commit.js";
import { isConflict, type AttemptRef } from "./attempt-outcome.js";

export interface DeadLetterJobsDeps {
  readonly jobs: JobStore;
  readonly afterCommit: AfterCommit;
}

const EXHAUSTED = errorCodeName(ErrorCode.DISPATCH_EXHAUSTED);

/** FAILED with DISPATCH_EXHAUSTED on `attempt`. */
export function isDispatchExhausted(job: JobRecord | undefined, attempt: number): boolean {
  return job !== undefined && job.status === JobStatus.FAILED && job.attempt === attempt && job.error?.code === EXHAUSTED;
}

async function applyIgnoringConflict(
  deps: DeadLetterJobsDeps,
  ref: AttemptRef,
  from: JobStatus,
  event: Parameters<JobStore["applyEvent"]>[2],
): Promise<void> {
  try {
    const r = await deps.jobs.applyEvent(ref.jobId, { status: from, attempt: ref.attempt }, event);
    await deps.afterCommit.run(r.job, r.effects);
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}

/** Settles a job whose dispatch deliveries ran out; true when it is FAILED DISPATCH_EXHAUSTED on that attempt. */
export async function exhaustDispatch(deps: DeadLetterJobsDeps, ref: AttemptRef): Promise<boolean> {
  let job = await deps.jobs.getJob(ref.jobId);
  if (job === undefined || job.attempt !== ref.attempt) return false;
  if (job.status === JobStatus.WAITING) {
    await applyIgnoringConflict(deps, ref, JobStatus.WAITING, { kind: "published" });
    job = await deps.jobs.getJob(ref.jobId);
  }
  if (job?.status === JobStatus.DISPATCHED && job.attempt === ref.attempt) {
    await applyIgnoringConflict(deps, ref, JobStatus.DISPATCHED, { kind: "dispatchExhausted" });
    job = await deps.jobs.getJob(ref.jobId);
  }
  return isDispatchExhausted(job, ref.attempt);
}

export type RedriveOutcome =
  /** WAITING on the next attempt. */
  | { readonly kind: "redriven"; readonly job: JobRecord }
  /** The job is no longer FAILED DISPATCH_EXHAUSTED on that attempt (or is gone): drop the dead letter. */
  | { readonly kind: "stale"; readonly reason: string };

/** Retries a dead-lettered attempt. Throws what the retry throws (e.g. INSUFFICIENT_CREDITS). */
export async function redriveJob(deps: DeadLetterJobsDeps, ref: AttemptRef): Promise<RedriveOutcome> {
  const job = await deps.jobs.getJob(ref.jobId);
  if (!isDispatchExhausted(job, ref.attempt)) {
    return {
      kind: "stale",
      reason: job
        ? `job ${ref.jobId} is ${JobStatus[job.status]} on attempt ${job.attempt}, not FAILED DISPATCH_EXHAUSTED on attempt ${ref.attempt}`
        : `job ${ref.jobId} not found`,
    };
  }
  try {
    const r = await deps.jobs.applyEvent(ref.jobId, { status: JobStatus.FAILED, attempt: ref.attempt }, { kind: "retryRequested" });
    await deps.afterCommit.run(r.job, r.effects);
    return { kind: "redriven", job: r.job };
  } catch (err) {
    if (isConflict(err)) return { kind: "stale", reason: `job ${ref.jobId} changed while being redriven` };
    throw err;
  }
}
