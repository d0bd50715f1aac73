/**
 * The job state machine: `(status, event) → next status + effects`, pure.
 * The app layer persists the result with one guarded statement
 * (`UPDATE … WHERE id = ? AND status = <from> AND attempt = ?`) and carries
 * out the effects, in order, in the same transaction (credits, events) or
 * right after it commits (dispatch, agent notice).
 *
 * States, their exits and invariants:
 *
 * - UNSPECIFIED — "not yet saved": the job exists only as a validated
 *   request. It is never stored; it is the only state `submitted` is allowed
 *   from. Exit: submitted → WAITING.
 * - WAITING — saved, credits held, queued for dispatch.
 *   Exits: published → DISPATCHED; cancelRequested → CANCELLED.
 *   Invariant: the estimated cost is held; a dispatch publish is pending or done
 *   (JetStream msg id `<jobId>:<attempt>`, so republishing is harmless).
 * - DISPATCHED — JetStream acked the dispatch message; no agent has it yet.
 *   Exits: claimed → RUNNING; cancelRequested → CANCELLED;
 *   timedOut → FAILED (PROVIDER_TIMEOUT, phase DISPATCH);
 *   dispatchExhausted → FAILED (DISPATCH_EXHAUSTED, phase DISPATCH).
 *   Invariant: credits held; no agent owns the attempt, so no agent is notified.
 * - RUNNING — exactly one agent owns the attempt.
 *   Exits: progressed → RUNNING; cancelRequested → RUNNING (agent told,
 *   cancel_requested set); completed → COMPLETE; failed → FAILED;
 *   cancelConfirmed → CANCELLED; timedOut → FAILED (PROVIDER_TIMEOUT, phase
 *   PROCESS, agent told to stop).
 *   Invariant: credits held until the attempt ends.
 * - COMPLETE — terminal. Accepts nothing. Invariant: actual cost captured,
 *   remainder of the hold released.
 * - FAILED — terminal until a manual retry. Accepts only retryRequested →
 *   WAITING (attempt + 1, credits held again, dispatched again).
 *   Invariant: job.error is set; the hold is released — nothing is charged.
 * - CANCELLED — terminal. Accepts nothing. Invariant: the hold is released.
 *
 * Every other (status, event) pair is a CONFLICT, with a reason naming the
 * status and the event. Every allowed transition emits exactly one user
 * event. Statuses are never ordered by their enum value.
 */
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase, JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type {
  Effect,
  FailureReason,
  LifecycleEvent,
  LifecycleEventKind,
  PublishedEventType,
} from "./lifecycle-event.js";
import { statusName } from "./job-status.js";

export { isTerminal, parseStatusName, statusName } from "./job-status.js";
export type { JobStatusName } from "./job-status.js";

/** The outcome of asking the state machine to apply one event. */
export type TransitionResult =
  | { readonly ok: true; readonly next: JobStatus; readonly effects: readonly Effect[] }
  | { readonly ok: false; readonly code: ErrorCode; readonly reason: string };

/** The event of one kind, with its payload. */
type EventOf<K extends LifecycleEventKind> = Extract<LifecycleEvent, { kind: K }>;

/** An allowed transition: where it goes and what it asks to be done. */
interface Allow<K extends LifecycleEventKind> {
  readonly next: JobStatus;
  readonly effects: (event: EventOf<K>) => readonly Effect[];
}

/** A cell of the table that refuses the event (CONFLICT). */
const DENY = "deny";

type Rule<K extends LifecycleEventKind> = Allow<K> | typeof DENY;

/** One rule per event kind; each rule's effects see that kind's payload. */
type RulesByKind = { readonly [K in LifecycleEventKind]: Rule<K> };

/** Message recorded when JetStream gives up delivering a dispatch. */
export const DISPATCH_EXHAUSTED_MESSAGE = "job could not be dispatched after all delivery attempts";

const emit = (type: PublishedEventType): Effect => ({ kind: "emitEvent", type });
const recordError = (reason: FailureReason): Effect => ({ kind: "recordError", reason });
const notifyAgent = (reason: string): Effect => ({ kind: "notifyAgent", reason });
const HOLD: Effect = Object.freeze({ kind: "holdCredits" });
const CAPTURE: Effect = Object.freeze({ kind: "captureCredits" });
const RELEASE: Effect = Object.freeze({ kind: "releaseCredits" });
const PUBLISH: Effect = Object.freeze({ kind: "publishDispatch" });

const cancelNow: Allow<"cancelRequested"> = {
  next: JobStatus.CANCELLED,
  effects: () => [RELEASE, emit("job.cancelled")],
};

/**
 * The whole lifecycle, one row per status and one cell per event kind.
 * Every cell is written out (no spread of defaults) so that a new status or
 * event kind fails to compile until someone decides each of its pairs.
 */
const TABLE = {
  [JobStatus.UNSPECIFIED]: {
    submitted: {
      next: JobStatus.WAITING,
      effects: () => [HOLD, emit("job.created"), PUBLISH],
    },
    published: DENY,
    claimed: DENY,
    progressed: DENY,
    completed: DENY,
    failed: DENY,
    cancelRequested: DENY,
    cancelConfirmed: DENY,
    timedOut: DENY,
    dispatchExhausted: DENY,
    retryRequested: DENY,
  },
  [JobStatus.WAITING]: {
    submitted: DENY,
    published: { next: JobStatus.DISPATCHED, effects: () => [emit("job.dispatched")] },
    claimed: DENY,
    progressed: DENY,
    completed: DENY,
    failed: DENY,
    cancelRequested: cancelNow,
    cancelConfirmed: DENY,
    timedOut: DENY,
    dispatchExhausted: DENY,
    retryRequested: DENY,
  },
  [JobStatus.DISPATCHED]: {
    submitted: DENY,
    published: DENY,
    claimed: { next: JobStatus.RUNNING, effects: () => [emit("job.started")] },
    progressed: DENY,
    completed: DENY,
    failed: DENY,
    cancelRequested: cancelNow,
    cancelConfirmed: DENY,
    timedOut: {
      next: JobStatus.FAILED,
      effects: (e) => [
        recordError({
          code: ErrorCode.PROVIDER_TIMEOUT,
          message: e.message,
          detail: "",
          phase: JobPhase.DISPATCH,
        }),
        RELEASE,
        emit("job.failed"),
      ],
    },
    dispatchExhausted: {
      next: JobStatus.FAILED,
      effects: () => [
        recordError({
          code: ErrorCode.DISPATCH_EXHAUSTED,
          message: DISPATCH_EXHAUSTED_MESSAGE,
          detail: "",
          phase: JobPhase.DISPATCH,
        }),
        RELEASE,
        emit("job.failed"),
      ],
    },
    retryRequested: DENY,
  },
  [JobStatus.RUNNING]: {
    submitted: DENY,
    published: DENY,
    claimed: DENY,
    progressed: { next: JobStatus.RUNNING, effects: () => [emit("job.progress")] },
    completed: { next: JobStatus.COMPLETE, effects: () => [CAPTURE, emit("job.completed")] },
    failed: {
      next: JobStatus.FAILED,
      effects: (e) => [recordError(e.reason), RELEASE, emit("job.failed")],
    },
    cancelRequested: {
      next: JobStatus.RUNNING,
      effects: () => [
        { kind: "markCancelRequested" },
        notifyAgent("cancel requested"),
        emit("job.cancel_requested"),
      ],
    },
    cancelConfirmed: { next: JobStatus.CANCELLED, effects: () => [RELEASE, emit("job.cancelled")] },
    timedOut: {
      next: JobStatus.FAILED,
      effects: (e) => [
        recordError({
          code: ErrorCode.PROVIDER_TIMEOUT,
          message: e.message,
          detail: "",
          phase: JobPhase.PROCESS,
        }),
        RELEASE,
        notifyAgent("timed out"),
        emit("job.failed"),
      ],
    },
    dispatchExhausted: DENY,
    retryRequested: DENY,
  },
  [JobStatus.COMPLETE]: {
    submitted: DENY,
    published: DENY,
    claimed: DENY,
    progressed: DENY,
    completed: DENY,
    failed: DENY,
    cancelRequested: DENY,
    cancelConfirmed: DENY,
    timedOut: DENY,
    dispatchExhausted: DENY,
    retryRequested: DENY,
  },
  [JobStatus.FAILED]: {
    submitted: DENY,
    published: DENY,
    claimed: DENY,
    progressed: DENY,
    completed: DENY,
    failed: DENY,
    cancelRequested: DENY,
    cancelConfirmed: DENY,
    timedOut: DENY,
    dispatchExhausted: DENY,
    retryRequested: {
      next: JobStatus.WAITING,
      effects: () => [{ kind: "incrementAttempt" }, HOLD, emit("job.retried"), PUBLISH],
    },
  },
  [JobStatus.CANCELLED]: {
    submitted: DENY,
    published: DENY,
    claimed: DENY,
    progressed: DENY,
    completed: DENY,
    failed: DENY,
    cancelRequested: DENY,
    cancelConfirmed: DENY,
    timedOut: DENY,
    dispatchExhausted: DENY,
    retryRequested: DENY,
  },
} satisfies Record<JobStatus, RulesByKind>;

/** How a refused event reads in "cannot <verb> a job that is <status>". */
const EVENT_VERBS = {
  submitted: "submit",
  published: "publish",
  claimed: "claim",
  progressed: "report progress for",
  completed: "complete",
  failed: "fail",
  cancelRequested: "cancel",
  cancelConfirmed: "confirm cancellation of",
  timedOut: "time out",
  dispatchExhausted: "exhaust dispatch of",
  retryRequested: "retry",
} as const satisfies Record<LifecycleEventKind, string>;

function describeStatus(status: JobStatus): string {
  return status === JobStatus.UNSPECIFIED ? "not yet saved" : statusName(status);
}

function conflict(reason: string): TransitionResult {
  return { ok: false, code: ErrorCode.CONFLICT, reason };
}

/**
 * Applies one event to a job in status `from`. Never throws: a disallowed
 * pair — or a status or event kind this build does not know, as can arrive
 * from a newer peer — is `{ ok: false, code: CONFLICT }`. The effects array is
 * fresh on every call; the shared payload-free effects are frozen.
 */
export function transition(from: JobStatus, event: LifecycleEvent): TransitionResult {
  const row = (TABLE as Partial<Record<number, RulesByKind>>)[from];
  const kind = event.kind;
  if (row === undefined) {
    return conflict(`cannot apply event "${kind}" to a job in unknown status ${from}`);
  }
  const rule = Object.hasOwn(row, kind)
    ? (row as Partial<Record<string, Rule<LifecycleEventKind>>>)[kind]
    : undefined;
  if (rule === undefined) {
    return conflict(`unknown event "${kind}" for a job that is ${describeStatus(from)}`);
  }
  if (rule === DENY) {
    return conflict(`cannot ${EVENT_VERBS[kind]} a job that is ${describeStatus(from)}`);
  }
  // The table pairs each kind with the rule for that kind; TypeScript cannot
  // correlate the two through the index, so widen the rule's parameter.
  const effects = (rule.effects as (e: LifecycleEvent) => readonly Effect[])(event);
  return { ok: true, next: rule.next, effects };
}
