/** A kind of work agents can do: its params schema, time limits and pricing. */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

export const JobType = defineEntity({
  name: "JobType",
  tableName: "job_types",
  properties: {
    name: p.text().primary(),
    description: p.text().default(""),
    paramsSchema: p.json<Record<string, unknown>>().defaultRaw("'{}'"),
    maxExecutionSeconds: p.integer().check("max_execution_seconds > 0"),
    queueTtlSeconds: p.integer().check("queue_ttl_seconds > 0"),
    baseCredits: p.bigint("number").defaultRaw("0").check("base_credits >= 0"),
    creditsPerSecond: p.bigint("number").defaultRaw("0").check("credits_per_second >= 0"),
    allowedPlans: p.array().default([]),
    createdAt: p.datetime().defaultRaw("now()"),
    updatedAt: p.datetime().defaultRaw("now()"),
  },
});

export type JobType = InferEntity<typeof JobType>;
