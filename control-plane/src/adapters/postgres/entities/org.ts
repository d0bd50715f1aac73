/** A tenant: owns API keys, jobs, credits and webhook endpoints. */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { Plan } from "./plan.js";

export const Org = defineEntity({
  name: "Org",
  tableName: "orgs",
  properties: {
    id: p.text().primary().check("starts_with(id, 'org_')"),
    name: p.text(),
    plan: () => p.manyToOne(Plan).mapToPk().joinColumn("plan"),
    suspended: p.boolean().default(false),
    createdAt: p.datetime().defaultRaw("now()"),
    /** balance.low fires when available credits fall below this (domain/balance-alerts.ts). */
    lowBalanceCredits: p.bigint("number").defaultRaw("100").check("low_balance_credits >= 0"),
  },
});

export type Org = InferEntity<typeof Org>;
