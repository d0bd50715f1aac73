/**
 * Where an org wants its events delivered, signed with `secret`. After a
 * rotation the previous secret also signs until it expires.
 */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { Org } from "./org.js";

export const WebhookEndpoint = defineEntity({
  name: "WebhookEndpoint",
  tableName: "webhook_endpoints",
  properties: {
    id: p.text().primary().check("starts_with(id, 'whe_')"),
    orgId: () => p.manyToOne(Org).mapToPk().joinColumn("org_id").index("webhook_endpoints_org_idx"),
    url: p.text(),
    secret: p.text(),
    previousSecret: p.text().nullable(),
    previousSecretExpiresAt: p.datetime().nullable(),
    events: p.array().default([]),
    description: p.text().default(""),
    active: p.boolean().default(true),
    disabledReason: p.text().nullable(),
    consecutiveFailures: p.integer().default(0).check("consecutive_failures >= 0"),
    createdAt: p.datetime().defaultRaw("now()"),
    updatedAt: p.datetime().defaultRaw("now()"),
  },
});

export type WebhookEndpoint = InferEntity<typeof WebhookEndpoint>;
