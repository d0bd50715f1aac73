/** A registered provider agent. Only its token's hash is stored. */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

export const Agent = defineEntity({
  name: "Agent",
  tableName: "agents",
  properties: {
    id: p.text().primary().check("starts_with(id, 'agt_')"),
    name: p.text(),
    tokenHash: p.text().unique(),
    jobTypes: p.array().default([]),
    labels: p.json<Record<string, string>>().defaultRaw("'{}'"),
    slots: p.integer().default(1).check("slots >= 1"),
    version: p.text().default(""),
    lastHeartbeatAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw("now()"),
  },
});

export type Agent = InferEntity<typeof Agent>;
