/** An org's API key. Only its hash is stored; `prefix` lets a user recognise it. */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { Org } from "./org.js";

export const ApiKey = defineEntity({
  name: "ApiKey",
  tableName: "api_keys",
  properties: {
    id: p.text().primary(),
    orgId: () => p.manyToOne(Org).mapToPk().joinColumn("org_id").index("api_keys_org_id_idx"),
    hash: p.text().unique(),
    prefix: p.text(),
    scopes: p.array().default([]),
    testMode: p.boolean().default(false),
    name: p.text().default(""),
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw("now()"),
  },
});

export type ApiKey = InferEntity<typeof ApiKey>;
