/**
 * Fail: the agent's attempt failed, or stopped after a CancelAttempt. Either
 * way the hold is released — nothing is charged.
 *
 * - cancelled and the job has cancel_requested → cancelConfirmed → CANCELLED.
 * - otherwise → failed → FAILED with the agent's reason, normalised: the code
 *   must be one an agent may report (PROVIDER_ERROR, VALIDATION_ERROR,
 *   PROVIDER_TIMEOUT; anything else becomes PROVIDER_ERROR), the detail (a
 *   stderr tail) keeps its last 4 KB, the phase defaults to PROCESS. A
 *   "cancelled" report for a job nobody cancelled (an agent shutting down, a
 *   local timeout) is a failure too: CANCELLED always means a user asked.
 * A report for an attempt that is settled, superseded or not this agent's is
 * rejected with CONFLICT and changes nothing.
 */
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase, JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { JobStore } from "../adapters/postgres/job-store.js";
import type { FailureReason, LifecycleEvent } from "../domain/lifecycle-event.js";
import type { AfterCommit } from "./after-commit.js";
import { rejectionOf, type AttemptOutcome, type AttemptRef } from "./attempt-outcome.js";
import { isRejected, loadRunningAttempt } from "./running-attempt.js";

export interface FailJobDeps {
  readonly jobs: JobStore;
  readonly afterCommit: AfterCommit;
}

export interface FailureReport {
  readonly code: ErrorCode;
  readonly message: string;
  readonly detail: string;
  readonly phase: JobPhase;
  /** The agent stopped the attempt because it was told to cancel it. */
  readonly cancelled: boolean;
}

/** Bytes of `detail` kept (its end: the last lines of stderr matter most). */
export const MAX_DETAIL_BYTES = 4096;
export const MAX_FAILURE_MESSAGE_CHARS = 1000;

const AGENT_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.PROVIDER_ERROR,
  ErrorCode.VALIDATION_ERROR,
  ErrorCode.PROVIDER_TIMEOUT,
]);

/** The last `maxBytes` bytes of `text` in UTF-8, cut at a character boundary, marked when cut. */
export function utf8Tail(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  const marker = "…";
  let start = bytes.length - (maxBytes - Buffer.byteLength(marker));
  // Skip UTF-8 continuation bytes (10xxxxxx) so the cut lands on a character.
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return marker + bytes.subarray(start).toString("utf8");
}

/** The failure as it will be stored: allowed code, capped texts, a phase. */
export function agentFailureReason(report: FailureReport): FailureReason {
  const code = AGENT_CODES.has(report.code) ? report.code : ErrorCode.PROVIDER_ERROR;
  const message = report.message.trim() === "" ? "the agent reported a failure without a message" : report.message;
  return {
    code,
    message: message.slice(0, MAX_FAILURE_MESSAGE_CHARS),
    detail: utf8Tail(report.detail, MAX_DETAIL_BYTES),
    phase: report.phase === JobPhase.UNSPECIFIED ? JobPhase.PROCESS : report.phase,
  };
}

export async function failJob(
  deps: FailJobDeps,
  agentId: string,
  ref: AttemptRef,
  report: FailureReport,
): Promise<AttemptOutcome> {
  const job = await loadRunningAttempt(deps.jobs, agentId, ref);
  if (isRejected(job)) return job;
  const event: LifecycleEvent =
    report.cancelled && job.cancelRequested
      ? { kind: "cancelConfirmed" }
      : { kind: "failed", reason: agentFailureReason(report) };
  try {
    const result = await deps.jobs.applyEvent(ref.jobId, { status: JobStatus.RUNNING, attempt: ref.attempt }, event);
    await deps.afterCommit.run(result.job, result.effects);
    return { accepted: true, job: result.job };
  } catch (err) {
    return rejectionOf(err);
  }
}
