/**
 * The event types an endpoint may subscribe to. An empty list at create or
 * replace means the default set: everything but job.progress, which fires up
 * to once a second per running job and would swamp a receiver that did not
 * ask for it. The resolved list is what is stored, so the enqueue query
 * matches `event_type = any(events)` without knowing about defaults.
 */
import { WEBHOOK_EVENT_TYPES, isWebhookEventType, type WebhookEventType } from "../../../proto/webhooks/event-types.js";
import { validationError, type Violation } from "./domain-error.js";

/** What an endpoint created with no event list receives. */
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEventType[] = WEBHOOK_EVENT_TYPES.filter((t) => t !== "job.progress");

/**
 * The type of SendTestWebhook's deliveries: never subscribable, delivered
 * even to an inactive endpoint, and never counted toward disabling it.
 */
export const TEST_EVENT_TYPE = "webhook.test";

/**
 * The event list to store for a requested one: the default set when empty;
 * VALIDATION_ERROR at `/events/<i>` for each unknown or repeated type.
 */
export function resolveWebhookEvents(requested: readonly string[]): WebhookEventType[] {
  if (requested.length === 0) return [...DEFAULT_WEBHOOK_EVENTS];
  const violations: Violation[] = [];
  const seen = new Set<string>();
  requested.forEach((type, i) => {
    if (!isWebhookEventType(type)) {
      violations.push({ path: `/events/${i}`, description: `"${type}" is not an event type (one of ${WEBHOOK_EVENT_TYPES.join(", ")})` });
    } else if (seen.has(type)) {
      violations.push({ path: `/events/${i}`, description: `"${type}" is listed twice` });
    }
    seen.add(type);
  });
  if (violations.length > 0) throw validationError(violations);
  return requested as WebhookEventType[];
}

/** The body of a SendTestWebhook delivery, in the shape of every event: {type, timestamp, data}. */
export function testWebhookPayload(endpointId: string, now: Date): string {
  return JSON.stringify({
    type: TEST_EVENT_TYPE,
    timestamp: now.toISOString(),
    data: { endpointId, message: "This is a test event from jobplane: your endpoint is reachable and verifies signatures." },
  });
}
