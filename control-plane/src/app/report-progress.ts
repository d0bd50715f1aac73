/**
 * Progress: stores one (already throttled, see progress-throttle.ts) progress
 * report on the running attempt, which emits `job.progress`. A report for an
 * attempt that is no longer RUNNING is late and changes nothing.
 *
 * Ownership is not checked here (that would cost a read per report): the
 * guard is status + attempt, and agents are operator-provisioned. Results
 * (complete-job.ts, fail-job.ts) do check the owning agent.
 */
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { JobStore } from "../adapters/postgres/job-store.js";
import type { ProgressReport } from "../domain/lifecycle-event.js";
import type { AfterCommit } from "./after-commit.js";
import { rejectionOf, type AttemptOutcome, type AttemptRef } from "./attempt-outcome.js";

export interface ReportProgressDeps {
  readonly jobs: JobStore;
  readonly afterCommit: AfterCommit;
}

export const MAX_STEP_CHARS = 200;
export const MAX_PROGRESS_MESSAGE_CHARS = 1000;

/** Percent within 0–100 (non-numbers become 0), step and message cut to size. */
export function normalizeProgress(progress: ProgressReport): ProgressReport {
  const percent = Number.isFinite(progress.percent) ? Math.min(100, Math.max(0, progress.percent)) : 0;
  return {
    percent,
    step: progress.step.slice(0, MAX_STEP_CHARS),
    message: progress.message.slice(0, MAX_PROGRESS_MESSAGE_CHARS),
  };
}

export async function reportProgress(
  deps: ReportProgressDeps,
  ref: AttemptRef,
  progress: ProgressReport,
): Promise<AttemptOutcome> {
  try {
    const result = await deps.jobs.applyEvent(
      ref.jobId,
      { status: JobStatus.RUNNING, attempt: ref.attempt },
      { kind: "progressed", progress: normalizeProgress(progress) },
    );
    await deps.afterCommit.run(result.job, result.effects);
    return { accepted: true, job: result.job };
  } catch (err) {
    return rejectionOf(err);
  }
}
