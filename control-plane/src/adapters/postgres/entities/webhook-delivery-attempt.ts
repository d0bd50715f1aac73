/**
 * One reported POST of a webhook delivery: the delivery's attempt log.
 * Keyed by (delivery, attempt) so a repeated report records nothing new.
 */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { WebhookDelivery } from "./webhook-delivery.js";

export const WebhookDeliveryAttempt = defineEntity({
  name: "WebhookDeliveryAttempt",
  tableName: "webhook_delivery_attempts",
  properties: {
    deliveryId: () => p.manyToOne(WebhookDelivery).mapToPk().joinColumn("delivery_id").primary().deleteRule("cascade"),
    attempt: p.integer().primary().check("attempt >= 1"),
    attemptedAt: p.datetime().defaultRaw("now()"),
    statusCode: p.integer().default(0).check("status_code >= 0"),
    ok: p.boolean(),
    error: p.text().default(""),
    durationMs: p.integer().default(0).check("duration_ms >= 0"),
    responseExcerpt: p.text().default(""),
  },
});

export type WebhookDeliveryAttempt = InferEntity<typeof WebhookDeliveryAttempt>;
