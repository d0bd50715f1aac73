/**
 * JobType, balance and ledger messages → their REST JSON shapes. Pure.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import type { GetBalanceResponse, LedgerEntry } from "../../../proto/gen/jobplane/v1/billing_service_pb.js";
import { LedgerEntryKind } from "../../../proto/gen/jobplane/v1/billing_service_pb.js";
import type { JobType } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { millis } from "./job-json.js";

export interface RestJobType {
  name: string;
  description: string;
  paramsSchema: JsonObject;
  maxExecutionSeconds: number;
  queueTtlSeconds: number;
  pricing: { baseCredits: number; creditsPerSecond: number };
  allowedPlans: string[];
}

export function jobTypeJson(t: JobType): RestJobType {
  return {
    name: t.name,
    description: t.description,
    paramsSchema: t.paramsSchema ?? {},
    maxExecutionSeconds: t.maxExecutionSeconds,
    queueTtlSeconds: t.queueTtlSeconds,
    pricing: { baseCredits: Number(t.baseCredits), creditsPerSecond: Number(t.creditsPerSecond) },
    allowedPlans: [...t.allowedPlans],
  };
}

export interface RestBalance {
  balance: number;
  held: number;
  available: number;
}

export function balanceJson(b: GetBalanceResponse): RestBalance {
  return { balance: Number(b.balance), held: Number(b.held), available: Number(b.available) };
}

const KIND_NAMES = {
  [LedgerEntryKind.UNSPECIFIED]: "unspecified",
  [LedgerEntryKind.TOPUP]: "topup",
  [LedgerEntryKind.HOLD]: "hold",
  [LedgerEntryKind.CAPTURE]: "capture",
  [LedgerEntryKind.RELEASE]: "release",
} as const satisfies Record<LedgerEntryKind, string>;

export interface RestLedgerEntry {
  id: string;
  kind: (typeof KIND_NAMES)[LedgerEntryKind];
  amount: number;
  jobId: string | null;
  attempt: number | null;
  memo: string;
  createdAt: number | null;
}

export function ledgerEntryJson(e: LedgerEntry): RestLedgerEntry {
  return {
    id: e.id,
    kind: (KIND_NAMES as Partial<Record<number, RestLedgerEntry["kind"]>>)[e.kind] ?? "unspecified",
    amount: Number(e.amount),
    jobId: e.jobId === "" ? null : e.jobId,
    attempt: e.jobId === "" ? null : e.attempt,
    memo: e.memo,
    createdAt: millis(e.createdAt),
  };
}
