/**
 * Webhook records → proto messages. The status table is keyed by every
 * stored status, so a new one fails to compile until it has a wire value.
 * A rotated-out secret's expiry is shown only while it still signs (the
 * proto: "unset when no previous secret is valid").
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  WebhookAttemptSchema,
  WebhookDeliverySchema,
  WebhookDeliveryStatus,
  WebhookEndpointSchema,
  type WebhookDelivery,
  type WebhookEndpoint,
} from "../../../../proto/gen/jobplane/v1/webhook_pb.js";
import type { WebhookDeliveryRecord, WebhookDeliveryState, WebhookEndpointRecord } from "../../app/webhook-store.js";

const STATUSES = {
  pending: WebhookDeliveryStatus.PENDING,
  delivered: WebhookDeliveryStatus.DELIVERED,
  failed: WebhookDeliveryStatus.FAILED,
} as const satisfies Record<WebhookDeliveryState, WebhookDeliveryStatus>;

export function webhookEndpointToProto(endpoint: WebhookEndpointRecord, now: Date): WebhookEndpoint {
  const previous = endpoint.previousSecretExpiresAt;
  return create(WebhookEndpointSchema, {
    id: endpoint.id,
    orgId: endpoint.orgId,
    url: endpoint.url,
    events: [...endpoint.events],
    description: endpoint.description,
    active: endpoint.active,
    disabledReason: endpoint.disabledReason ?? "",
    consecutiveFailures: endpoint.consecutiveFailures,
    ...(previous !== null && previous > now ? { previousSecretExpiresAt: timestampFromDate(previous) } : {}),
    createdAt: timestampFromDate(endpoint.createdAt),
    updatedAt: timestampFromDate(endpoint.updatedAt),
  });
}

export function webhookDeliveryToProto(delivery: WebhookDeliveryRecord): WebhookDelivery {
  return create(WebhookDeliverySchema, {
    id: delivery.id,
    endpointId: delivery.endpointId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: STATUSES[delivery.status],
    attempts: delivery.attempts,
    ...(delivery.status === "pending" && delivery.nextAt !== null ? { nextAttemptAt: timestampFromDate(delivery.nextAt) } : {}),
    lastStatusCode: delivery.lastStatusCode ?? 0,
    lastError: delivery.lastError ?? "",
    payload: delivery.payload,
    createdAt: timestampFromDate(delivery.createdAt),
    updatedAt: timestampFromDate(delivery.updatedAt),
    attemptLog: delivery.attemptLog.map((a) =>
      create(WebhookAttemptSchema, {
        attempt: a.attempt,
        attemptedAt: timestampFromDate(a.attemptedAt),
        statusCode: a.statusCode,
        ok: a.ok,
        error: a.error,
        durationMs: a.durationMs,
        responseExcerpt: a.responseExcerpt,
      }),
    ),
  });
}
