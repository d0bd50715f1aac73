/**
 * The webhook event types, part of the contract between the control plane
 * (which validates endpoint subscriptions against them) and the gateways
 * (which enqueue only these from JOBPLANE_EVENTS; job.retried and
 * job.cancel_requested stay on the stream). Kept beside the protos, like the
 * NATS names, because components import each other only through proto/.
 */
export const WEBHOOK_EVENT_TYPES = [
  "job.created",
  "job.dispatched",
  "job.started",
  "job.progress",
  "job.completed",
  "job.failed",
  "job.cancelled",
  "balance.low",
  "balance.depleted",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const DELIVERABLE: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);

export function isWebhookEventType(type: string): type is WebhookEventType {
  return DELIVERABLE.has(type);
}
