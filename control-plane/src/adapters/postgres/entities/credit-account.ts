/**
 * An org's credits: `balance` (bought minus charged) and `held` (reserved by
 * jobs not yet finished); available = balance − held. Changed only together
 * with a credit_ledger row, in one transaction.
 */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { Org } from "./org.js";

export const CreditAccount = defineEntity({
  name: "CreditAccount",
  tableName: "credit_accounts",
  properties: {
    orgId: () => p.oneToOne(Org).mapToPk().joinColumn("org_id").primary().deleteRule("no action").updateRule("no action"),
    balance: p.bigint("number").defaultRaw("0"),
    held: p.bigint("number").defaultRaw("0"),
    updatedAt: p.datetime().defaultRaw("now()"),
  },
  checks: [
    { name: "credit_accounts_held_non_negative", expression: "held >= 0" },
    { name: "credit_accounts_balance_covers_held", expression: "balance >= held" },
  ],
});

export type CreditAccount = InferEntity<typeof CreditAccount>;
