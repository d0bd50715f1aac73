/** A billing plan: the limits an org's requests and jobs are checked against. */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

export const Plan = defineEntity({
  name: "Plan",
  tableName: "plans",
  properties: {
    name: p.text().primary(),
    requestsPerMinute: p.integer().check("requests_per_minute > 0"),
    maxConcurrentJobs: p.integer().check("max_concurrent_jobs > 0"),
    maxInputBytes: p.bigint("number").check("max_input_bytes > 0"),
    maxExecutionSeconds: p.integer().check("max_execution_seconds > 0"),
  },
});

export type Plan = InferEntity<typeof Plan>;
