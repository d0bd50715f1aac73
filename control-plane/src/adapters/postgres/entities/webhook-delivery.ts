/**
 * One event to one endpoint, retried until delivered or given up. Unique per
 * (endpoint, event), so redelivering an event from the stream is harmless.
 */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { WebhookEndpoint } from "./webhook-endpoint.js";

export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

export const WebhookDelivery = defineEntity({
  name: "WebhookDelivery",
  tableName: "webhook_deliveries",
  properties: {
    id: p.text().primary().check("starts_with(id, 'whd_')"),
    endpointId: () => p.manyToOne(WebhookEndpoint).mapToPk().joinColumn("endpoint_id").deleteRule("cascade"),
    eventId: p.text(),
    eventType: p.text(),
    /** The exact body POSTed and signed (text, not jsonb, so not a byte changes). */
    payload: p.text(),
    status: p.text().$type<WebhookDeliveryStatus>().default("pending").check("status in ('pending', 'delivered', 'failed')"),
    attempts: p.integer().default(0).check("attempts >= 0"),
    /** The retry budget; RedeliverWebhook raises it by one when it is used up. */
    maxAttempts: p.integer().default(16).check("max_attempts >= 1"),
    nextAt: p.datetime().nullable(),
    lastStatusCode: p.integer().nullable(),
    lastError: p.text().nullable(),
    createdAt: p.datetime().defaultRaw("now()"),
    updatedAt: p.datetime().defaultRaw("now()"),
  },
  indexes: [
    {
      name: "webhook_deliveries_due_idx",
      expression: `create index webhook_deliveries_due_idx on webhook_deliveries (next_at) where status = 'pending'`,
    },
    {
      name: "webhook_deliveries_listing_idx",
      expression: `create index webhook_deliveries_listing_idx on webhook_deliveries (endpoint_id, created_at desc, id desc)`,
    },
    {
      name: "webhook_deliveries_settled_idx",
      expression: `create index webhook_deliveries_settled_idx on webhook_deliveries (updated_at) where status <> 'pending'`,
    },
  ],
  uniques: [{ name: "webhook_deliveries_endpoint_event_uniq", properties: ["endpointId", "eventId"] }],
});

export type WebhookDelivery = InferEntity<typeof WebhookDelivery>;
