/** One append-only movement of credits: topup, hold, capture or release. */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { CreditAccount } from "./credit-account.js";
import { Job } from "./job.js";

export type LedgerKind = "topup" | "hold" | "capture" | "release";

export const CreditLedgerEntry = defineEntity({
  name: "CreditLedgerEntry",
  tableName: "credit_ledger",
  properties: {
    id: p.bigint("string").primary().autoincrement(),
    orgId: () => p.manyToOne(CreditAccount).mapToPk().joinColumn("org_id"),
    kind: p.text().$type<LedgerKind>().check("kind in ('topup', 'hold', 'capture', 'release')"),
    amount: p.bigint("number").check("amount > 0"),
    jobId: () => p.manyToOne(Job).mapToPk().joinColumn("job_id").nullable().deleteRule("no action"),
    attempt: p.integer().nullable().check("attempt >= 1"),
    memo: p.text().default(""),
    createdAt: p.datetime().defaultRaw("now()"),
  },
  indexes: [
    { name: "credit_ledger_org_idx", expression: "create index credit_ledger_org_idx on credit_ledger (org_id, id desc)" },
    {
      name: "credit_ledger_job_idx",
      expression: "create index credit_ledger_job_idx on credit_ledger (job_id) where job_id is not null",
    },
  ],
});

export type CreditLedgerEntry = InferEntity<typeof CreditLedgerEntry>;
