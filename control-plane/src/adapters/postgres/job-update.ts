/**
 * Turns one allowed transition (event + next status + effects) into the SET
 * list of the guarded jobs UPDATE and the work that must follow it in the
 * same transaction (credits, outbox) or after the commit. Pure: no I/O.
 *
 * The SET expressions may read `prev_held`, the job's held_credits as locked
 * by the guarded statement (see pg-job-store.ts), and the row's own columns.
 */
import { JobPhase, JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { errorCodeName, errorInfo } from "../../domain/error-table.js";
import { isTerminal, statusName } from "../../domain/job-status.js";
import type { Effect, FailureReason, LifecycleEvent, PublishedEventType } from "../../domain/lifecycle-event.js";
import type { ApplyEventContext } from "./job-store.js";
import type { StoredError } from "./job-json.js";

/** A piece of SQL with its `?` placeholders' values, in order. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export interface JobUpdatePlan {
  /** `column = expression` items, one per column. */
  readonly sets: readonly SqlFragment[];
  /** Hold the (new) held_credits on the account: a retry. */
  readonly hold: boolean;
  /** Charge actual_credits from prev_held, release the rest. */
  readonly capture: boolean;
  /** Release prev_held entirely. */
  readonly release: boolean;
  /** Outbox events to append, in order. */
  readonly events: readonly PublishedEventType[];
  /** Effects the caller carries out after the commit. */
  readonly afterCommit: readonly Effect[];
}

const fragment = (sql: string, ...params: unknown[]): SqlFragment => ({ sql, params });

/** Sets finishedAt on the last step if it has none. */
const CLOSE_LAST_STEP = `case
    when jsonb_array_length(steps) = 0 or (steps -> -1 -> 'finishedAt') is not null then steps
    else jsonb_set(steps, array[(jsonb_array_length(steps) - 1)::text, 'finishedAt'], to_jsonb(now()))
  end`;

export function storedError(reason: FailureReason): StoredError {
  return {
    code: errorCodeName(reason.code),
    message: reason.message,
    detail: reason.detail,
    retryable: errorInfo(reason.code).retryable,
    phase: JobPhase[reason.phase] ?? "UNSPECIFIED",
  };
}

export function planJobUpdate(
  event: LifecycleEvent,
  next: JobStatus,
  effects: readonly Effect[],
  ctx: ApplyEventContext = {},
): JobUpdatePlan {
  // Keyed by column so that no column is assigned twice; later entries win.
  const sets = new Map<string, SqlFragment>();
  const set = (column: string, sql: string, ...params: unknown[]) =>
    sets.set(column, fragment(`${column} = ${sql}`, ...params));
  let hold = false;
  let capture = false;
  let release = false;
  const events: PublishedEventType[] = [];
  const afterCommit: Effect[] = [];

  set("status", "?", statusName(next));
  set("version", "version + 1");
  set("updated_at", "now()");

  switch (event.kind) {
    case "published":
      set("dispatched_at", "now()");
      break;
    case "claimed":
      set("agent_id", "?", event.agentId);
      set("started_at", "now()");
      set(
        "deadline_at",
        `coalesce(?::timestamptz, coalesce(?::timestamptz, now())
           + (select make_interval(secs => t.max_execution_seconds) from job_types t where t.name = jobs.type))`,
        ctx.deadlineAt?.toISOString() ?? null,
        ctx.claimedAt?.toISOString() ?? null,
      );
      break;
    case "progressed": {
      const { percent, step, message } = event.progress;
      set("progress", "?::jsonb", JSON.stringify({ percent, step, message }));
      set(
        "steps",
        `case
          when ?::text = '' or coalesce(steps -> -1 ->> 'name', '') = ?::text then steps
          else (${CLOSE_LAST_STEP}) || jsonb_build_array(jsonb_build_object('name', ?::text, 'startedAt', now()))
        end`,
        step,
        step,
        step,
      );
      break;
    }
    case "completed":
      if (ctx.output !== undefined) set("output", "?::jsonb", JSON.stringify(ctx.output));
      break;
    default:
      break;
  }

  if (isTerminal(next)) {
    set("completed_at", "now()");
    set("steps", CLOSE_LAST_STEP);
  }

  for (const effect of effects) {
    switch (effect.kind) {
      case "emitEvent":
        events.push(effect.type);
        break;
      case "incrementAttempt":
        // A new attempt starts clean: nothing of the previous one carries over.
        set("attempt", "attempt + 1");
        for (const column of ["error", "progress", "output", "actual_credits", "agent_id", "deadline_at"]) {
          set(column, "null");
        }
        for (const column of ["dispatched_at", "started_at", "completed_at"]) set(column, "null");
        set("steps", "'[]'::jsonb");
        set("cancel_requested", "false");
        break;
      case "recordError":
        set("error", "?::jsonb", JSON.stringify(storedError(effect.reason)));
        break;
      case "markCancelRequested":
        set("cancel_requested", "true");
        break;
      case "holdCredits":
        hold = true;
        if (ctx.estimatedCredits === undefined) {
          set("held_credits", "estimated_credits");
        } else {
          checkCredits("estimatedCredits", ctx.estimatedCredits);
          set("estimated_credits", "?", ctx.estimatedCredits);
          set("held_credits", "?", ctx.estimatedCredits);
        }
        break;
      case "captureCredits":
        capture = true;
        if (ctx.actualCredits === undefined) {
          throw new TypeError(`"${event.kind}" captures credits: ctx.actualCredits is required`);
        }
        checkCredits("actualCredits", ctx.actualCredits);
        set("actual_credits", "least(?::bigint, prev_held)", ctx.actualCredits);
        set("held_credits", "0");
        break;
      case "releaseCredits":
        release = true;
        set("actual_credits", "0");
        set("held_credits", "0");
        break;
      case "publishDispatch":
      case "notifyAgent":
        afterCommit.push(effect);
        break;
      default: {
        const unknown: never = effect;
        throw new TypeError(`unhandled effect ${JSON.stringify(unknown)}`);
      }
    }
  }

  return { sets: [...sets.values()], hold, capture, release, events, afterCommit };
}

function checkCredits(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative whole number of credits, got ${value}`);
  }
}
