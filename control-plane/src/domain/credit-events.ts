/**
 * Which of an org's events mean its credits moved: the job transitions that
 * hold (created, retried), capture (completed) or release (failed,
 * cancelled) — see the effects in job-state-machine.ts — and the balance
 * events, which are emitted by such a movement. WatchBalance re-reads the
 * balance only after these; the rest (dispatched, started, progress,
 * cancel_requested) leave it alone. A top-up is no event at all: it moves
 * credits without a job (credit-ops.ts signals it separately).
 */
import type { BalanceEventType } from "./balance-alerts.js";
import type { PublishedEventType } from "./lifecycle-event.js";

/** A new event type fails to compile until it is classified here. */
const MOVES_CREDITS = {
  "job.created": true,
  "job.dispatched": false,
  "job.started": false,
  "job.progress": false,
  "job.completed": true,
  "job.failed": true,
  "job.cancelled": true,
  "job.cancel_requested": false,
  "job.retried": true,
  "balance.low": true,
  "balance.depleted": true,
} as const satisfies Record<PublishedEventType | BalanceEventType, boolean>;

/** True when an event of this type follows a change of the org's balance or held credits. */
export function movesCredits(type: string): boolean {
  return Object.hasOwn(MOVES_CREDITS, type) && MOVES_CREDITS[type as keyof typeof MOVES_CREDITS];
}
