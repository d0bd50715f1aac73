/**
 * An API key's GCRA state: its theoretical arrival time (domain/rate-limit.ts).
 * Read and written only by pg-rate-limiter.ts through one upsert; the entity
 * exists so the ORM's schema matches the migration.
 */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { ApiKey } from "./api-key.js";

export const RateLimit = defineEntity({
  name: "RateLimit",
  tableName: "rate_limits",
  properties: {
    keyId: () => p.oneToOne(ApiKey).mapToPk().joinColumn("key_id").primary().deleteRule("cascade").updateRule("no action"),
    tat: p.datetime(),
  },
});

export type RateLimit = InferEntity<typeof RateLimit>;
