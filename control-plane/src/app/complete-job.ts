/**
 * Complete: the agent finished its attempt. The actual cost is priced from
 * the usage it reports (pricing.actualCost: started seconds, never above the
 * hold, 0 in test mode), captured from the hold, the rest released, the
 * output recorded and `job.completed` emitted — one guarded transaction. A
 * result for an attempt that is settled, superseded or not this agent's is
 * rejected with CONFLICT and changes nothing.
 */
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { StoredOutput } from "../adapters/postgres/job-json.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";
import type { JobStore } from "../adapters/postgres/job-store.js";
import { actualCost } from "../domain/pricing.js";
import type { AfterCommit } from "./after-commit.js";
import { rejected, rejectionOf, type AttemptOutcome, type AttemptRef } from "./attempt-outcome.js";
import type { JobTypeTermsLookup } from "./job-type-terms.js";
import { isRejected, loadRunningAttempt } from "./running-attempt.js";

export interface CompleteJobDeps {
  readonly jobs: JobStore;
  readonly jobTypes: JobTypeTermsLookup;
  readonly afterCommit: AfterCommit;
}

export interface CompletionReport {
  readonly output: StoredOutput;
  /** Seconds of work the agent reports. */
  readonly usageSeconds: number;
}

/**
 * @param claimed the job as this agent's accepted claim of `ref` returned it,
 *   when the caller kept it: saves reading the job first. Its type, hold and
 *   test mode cannot have changed while the attempt ran (only a new attempt
 *   changes them, and the guarded transition checks the attempt); if the
 *   attempt is no longer RUNNING, the completion is checked again the usual
 *   way, so the refusal is the same.
 */
export async function completeJob(
  deps: CompleteJobDeps,
  agentId: string,
  ref: AttemptRef,
  report: CompletionReport,
  claimed?: JobRecord,
): Promise<AttemptOutcome> {
  if (!Number.isFinite(report.usageSeconds) || report.usageSeconds < 0) {
    return rejected(ErrorCode.VALIDATION_ERROR, `usage_seconds must be a finite number ≥ 0, got ${report.usageSeconds}`);
  }
  if (claimed !== undefined && claimed.id === ref.jobId && claimed.attempt === ref.attempt && claimed.agentId === agentId) {
    const outcome = await complete(deps, claimed, ref, report);
    if (outcome.accepted || outcome.code !== ErrorCode.CONFLICT) return outcome;
  }
  const job = await loadRunningAttempt(deps.jobs, agentId, ref);
  if (isRejected(job)) return job;
  return complete(deps, job, ref, report);
}

/** Prices the attempt and applies the guarded RUNNING → COMPLETE. */
async function complete(deps: CompleteJobDeps, job: JobRecord, ref: AttemptRef, report: CompletionReport): Promise<AttemptOutcome> {
  const terms = await deps.jobTypes.get(job.type);
  if (terms === undefined) throw new Error(`job ${job.id} has type "${job.type}", which is not in the catalog`);
  const actualCredits = actualCost({
    baseCredits: terms.baseCredits,
    creditsPerSecond: terms.creditsPerSecond,
    usageSeconds: report.usageSeconds,
    held: job.heldCredits,
    testMode: job.testMode,
  });
  try {
    const result = await deps.jobs.applyEvent(
      ref.jobId,
      { status: JobStatus.RUNNING, attempt: ref.attempt },
      { kind: "completed", usageSeconds: report.usageSeconds },
      { actualCredits, output: report.output },
    );
    await deps.afterCommit.run(result.job, result.effects);
    return { accepted: true, job: result.job };
  } catch (err) {
    return rejectionOf(err);
  }
}
