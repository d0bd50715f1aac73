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
  },
});

export type Org = InferEntity<typeof Org>;
