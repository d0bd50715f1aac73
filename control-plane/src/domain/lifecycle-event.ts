/**
 * The events that move a job through its lifecycle, and the effects a
 * transition asks the app layer to carry out. Both are plain data: the state
 * machine (job-state-machine.ts) decides, adapters do.
 */
import type { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import type { JobPhase } from "../../../proto/gen/jobplane/v1/job_pb.js";

/** Progress as the agent reports it. */
export interface ProgressReport {
  readonly percent: number;
  readonly step: string;
  readonly message: string;
}

/** Why a job failed, as stored on the job and shown to the user. */
export interface FailureReason {
  readonly code: ErrorCode;
  readonly message: string;
  readonly detail: string;
  readonly phase: JobPhase;
}

/**
 * Something that happened to a job. `kind` is the discriminant; the
 * transition table has one entry per kind for every status.
 */
export type LifecycleEvent =
  /** The job passed every submission check and is being saved. */
  | { readonly kind: "submitted" }
  /** JetStream acknowledged the dispatch message. */
  | { readonly kind: "published" }
  /** An agent's claim of this attempt was accepted. */
  | { readonly kind: "claimed"; readonly agentId: string }
  /** The running agent reported progress. */
  | { readonly kind: "progressed"; readonly progress: ProgressReport }
  /** The agent finished the attempt; `usageSeconds` prices it. */
  | { readonly kind: "completed"; readonly usageSeconds: number }
  /** The agent reported a failure (PROVIDER_ERROR, VALIDATION_ERROR, PROVIDER_TIMEOUT). */
  | { readonly kind: "failed"; readonly reason: FailureReason }
  /** The user asked to cancel. */
  | { readonly kind: "cancelRequested" }
  /** The agent stopped the attempt after being told to cancel. */
  | { readonly kind: "cancelConfirmed" }
  /** The sweeper found the job past its deadline, queue TTL or heartbeat. */
  | { readonly kind: "timedOut"; readonly message: string }
  /** JetStream gave up delivering the dispatch message. */
  | { readonly kind: "dispatchExhausted" }
  /** The user asked to run a failed job again. */
  | { readonly kind: "retryRequested" };

export type LifecycleEventKind = LifecycleEvent["kind"];

/** Names of the events published to users (webhooks, streams, JetStream). */
export type PublishedEventType =
  | "job.created"
  | "job.dispatched"
  | "job.started"
  | "job.progress"
  | "job.completed"
  | "job.failed"
  | "job.cancelled"
  | "job.cancel_requested"
  | "job.retried";

/**
 * What a transition asks to be done, in the same transaction as the status
 * change (credits, event) or right after it commits (dispatch, agent notice).
 */
export type Effect =
  /** Append this event to job_events (the outbox). */
  | { readonly kind: "emitEvent"; readonly type: PublishedEventType }
  /** Hold the job's estimated cost on the org's account. */
  | { readonly kind: "holdCredits" }
  /** Charge the actual cost from the hold and release the remainder. */
  | { readonly kind: "captureCredits" }
  /** Release the whole hold: nothing is charged. */
  | { readonly kind: "releaseCredits" }
  /** Publish the job to its type's dispatch subject. */
  | { readonly kind: "publishDispatch" }
  /** Tell the agent running the attempt to abort it. */
  | { readonly kind: "notifyAgent"; readonly reason: string }
  /** Start a new attempt (manual retry). */
  | { readonly kind: "incrementAttempt" }
  /** Record the failure on the job. */
  | { readonly kind: "recordError"; readonly reason: FailureReason }
  /** Mark that a cancel was requested while the job runs. */
  | { readonly kind: "markCancelRequested" };
