/**
 * WebhookDeliveryService's use cases: how gateways feed and drain the
 * delivery queue (webhook_deliveries). The gateway renders event bodies and
 * POSTs; the control plane decides who gets what, signs, and schedules.
 *
 *   enqueue  one delivery per (event, active endpoint of the org subscribed
 *            to its type); repeats of an event create nothing
 *   claim    leases due deliveries (attempt counted now, so a gateway that
 *            dies mid-POST loses only its lease), signed at claim time
 *   report   records the attempt; delivered, retried later, or failed;
 *            the endpoint's failure run grows or restarts
 */
import { validationError, type Violation } from "../domain/domain-error.js";
import { decideAttemptOutcome, isSuccessStatus } from "../domain/webhook-attempt-outcome.js";
import { TEST_EVENT_TYPE } from "../domain/webhook-events.js";
import { signWebhook, type WebhookHeaders } from "../domain/webhook-signing.js";
import type { WebhookConfig } from "../webhook-config.js";
import type { Clock } from "./clock.js";
import type { QueuedEvent, ReportedAttempt, WebhookQueue } from "./webhook-store.js";

/** Events per EnqueueWebhookEvents call: one statement, bounded. */
export const MAX_ENQUEUE_BATCH = 1000;
/** A body larger than this is refused: receivers and the database both suffer. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** What is kept of a response body or an error text (the proto's "at most 1 KiB"). */
export const MAX_EXCERPT_CHARS = 1024;
export const CLAIM_LIMITS = { max: [1, 100], leaseMs: [1000, 600_000] } as const;

export interface WebhookQueueDeps {
  readonly queue: WebhookQueue;
  readonly clock: Clock;
  readonly config: Pick<WebhookConfig, "maxAttempts" | "retryBaseMs" | "retryMaxMs" | "disableAfterFailures">;
  /** Jitter source for retry delays (Math.random by default). */
  readonly random?: () => number;
}

export interface ClaimedDelivery {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly url: string;
  readonly attempt: number;
  readonly payload: string;
  readonly headers: WebhookHeaders;
}

function eventViolations(events: readonly QueuedEvent[]): Violation[] {
  if (events.length > MAX_ENQUEUE_BATCH) return [{ path: "/events", description: `at most ${MAX_ENQUEUE_BATCH} per call` }];
  return events.flatMap((event, i): Violation[] => {
    const missing = (["eventId", "orgId", "eventType", "payload"] as const)
      .filter((field) => event[field] === "")
      .map((field) => ({ path: `/events/${i}/${field}`, description: "is required" }));
    if (missing.length > 0) return missing;
    if (Buffer.byteLength(event.payload) > MAX_PAYLOAD_BYTES) {
      return [{ path: `/events/${i}/payload`, description: `must be at most ${MAX_PAYLOAD_BYTES} bytes` }];
    }
    try {
      JSON.parse(event.payload);
      return [];
    } catch {
      return [{ path: `/events/${i}/payload`, description: "must be JSON" }];
    }
  });
}

/** How many deliveries were created; VALIDATION_ERROR for a bad batch (nothing is inserted then). */
export async function enqueueWebhookEvents(deps: WebhookQueueDeps, events: readonly QueuedEvent[]): Promise<number> {
  const violations = eventViolations(events);
  if (violations.length > 0) throw validationError(violations);
  if (events.length === 0) return 0;
  return deps.queue.enqueue(events, deps.config.maxAttempts);
}

function inRange(path: string, value: number, [min, max]: readonly [number, number]): Violation[] {
  return value >= min && value <= max ? [] : [{ path, description: `must be from ${min} to ${max}` }];
}

export async function claimWebhookDeliveries(deps: WebhookQueueDeps, max: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const violations = [...inRange("/max", max, CLAIM_LIMITS.max), ...inRange("/leaseMs", leaseMs, CLAIM_LIMITS.leaseMs)];
  if (violations.length > 0) throw validationError(violations);
  const rows = await deps.queue.claim(max, leaseMs);
  const now = deps.clock();
  return rows.map((row) => ({
    deliveryId: row.deliveryId,
    endpointId: row.endpointId,
    url: row.url,
    attempt: row.attempt,
    payload: row.payload,
    headers: signWebhook(row.secrets, row.eventId, row.payload, now),
  }));
}

/** Whether the report was recorded (false: stale or repeated, and ignored). */
export async function reportWebhookAttempt(deps: WebhookQueueDeps, report: ReportedAttempt): Promise<boolean> {
  const violations: Violation[] = [
    ...(report.deliveryId === "" ? [{ path: "/deliveryId", description: "is required" }] : []),
    ...(report.attempt < 1 ? [{ path: "/attempt", description: "must be at least 1" }] : []),
    ...inRange("/statusCode", report.statusCode, [0, 999]),
  ];
  if (violations.length > 0) throw validationError(violations);
  const { config } = deps;
  const attempt: ReportedAttempt = {
    ...report,
    error: isSuccessStatus(report.statusCode) ? "" : report.error.slice(0, MAX_EXCERPT_CHARS),
    responseExcerpt: report.responseExcerpt.slice(0, MAX_EXCERPT_CHARS),
    // A uint32 on the wire, an int4 column.
    durationMs: Math.min(report.durationMs, 2 ** 31 - 1),
  };
  return deps.queue.report(attempt, (facts) =>
    decideAttemptOutcome(
      { statusCode: attempt.statusCode, error: attempt.error },
      {
        attempts: facts.attempts,
        maxAttempts: facts.maxAttempts,
        isTest: facts.eventType === TEST_EVENT_TYPE,
        endpointActive: facts.endpointActive,
        consecutiveFailures: facts.consecutiveFailures,
        disableAfterFailures: config.disableAfterFailures,
        retry: { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs },
        ...(deps.random ? { random: deps.random } : {}),
      },
    ),
  );
}
