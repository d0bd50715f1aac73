/**
 * What the worker tells whoever counts its work: claim answers and finished
 * attempts. An interface so the worker stays free of prom-client (main.ts
 * injects ops/metrics.ts's recorder; tests and embedders get the no-op one).
 * Gauges (slots, attempts held) are not pushed through it: the metrics
 * adapter reads them from the worker at scrape time, so they cannot drift.
 */
import type { AbortCause, AttemptOutcome } from "./attempt-runner.js";

/** The control plane's answer to a claim. A claim with no answer (timeout, session broke) is neither. */
export type ClaimResult = "accepted" | "rejected";

/** How an attempt ended, as a metric label. */
export type AttemptOutcomeLabel = "complete" | "failed" | "cancelled" | "timeout";

export interface WorkerMetrics {
  claimAnswered(result: ClaimResult): void;
  /** Once per attempt whose claim was accepted, when its outcome is decided (before the result is delivered). */
  attemptFinished(type: string, outcome: AttemptOutcomeLabel, seconds: number): void;
}

export const noWorkerMetrics: WorkerMetrics = {
  claimAnswered() {},
  attemptFinished() {},
};

/**
 * `metrics` with every call guarded: a recorder that throws is reported to
 * `onError` and never stops a claim from being acked or a result from being
 * delivered.
 */
export function guardedWorkerMetrics(metrics: WorkerMetrics, onError: (err: unknown) => void): WorkerMetrics {
  return {
    claimAnswered(result) {
      try {
        metrics.claimAnswered(result);
      } catch (err) {
        onError(err);
      }
    },
    attemptFinished(type, outcome, seconds) {
      try {
        metrics.attemptFinished(type, outcome, seconds);
      } catch (err) {
        onError(err);
      }
    },
  };
}

/** An abort's label; a shutdown abort is a failure like any other (the job is retried elsewhere). */
const ABORT_LABELS = {
  cancelled: "cancelled",
  timeout: "timeout",
  shutdown: "failed",
} as const satisfies Record<AbortCause["kind"], AttemptOutcomeLabel>;

/** The label of an attempt that ended with `outcome`, aborted by `cause` if it was. */
export function attemptOutcomeLabel(outcome: AttemptOutcome, cause: AbortCause | undefined): AttemptOutcomeLabel {
  if (outcome.kind === "completed") return "complete";
  return cause ? ABORT_LABELS[cause.kind] : "failed";
}
