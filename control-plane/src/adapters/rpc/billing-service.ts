/**
 * BillingService over Connect: an org's credit position, its ledger, and a
 * stream of its balance (balance-watch-service.ts), for API keys with
 * billing:read. Errors go through the error-mapping interceptor like every
 * other service.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  LedgerEntryKind,
  LedgerEntrySchema,
  type BillingService,
  type LedgerEntry,
} from "../../../../proto/gen/jobplane/v1/billing_service_pb.js";
import { getBalance, listUsage, type LedgerEntryRecord } from "../../app/billing.js";
import type { LedgerKind } from "../postgres/entities/credit-ledger-entry.js";
import { createPgCreditLedger } from "../postgres/pg-credit-ledger.js";
import { createPgUsageLedger } from "../postgres/pg-usage-ledger.js";
import { createBalanceWatchHandler } from "./balance-watch-service.js";
import type { RpcDeps } from "./rpc-deps.js";

const KINDS = {
  topup: LedgerEntryKind.TOPUP,
  hold: LedgerEntryKind.HOLD,
  capture: LedgerEntryKind.CAPTURE,
  release: LedgerEntryKind.RELEASE,
} as const satisfies Record<LedgerKind, LedgerEntryKind>;

export function ledgerEntryToProto(entry: LedgerEntryRecord): LedgerEntry {
  return create(LedgerEntrySchema, {
    id: entry.id,
    kind: KINDS[entry.kind],
    amount: BigInt(entry.amount),
    jobId: entry.jobId ?? "",
    attempt: entry.attempt ?? 0,
    memo: entry.memo,
    createdAt: timestampFromDate(entry.createdAt),
  });
}

export function createBillingService(deps: RpcDeps): Partial<ServiceImpl<typeof BillingService>> {
  const credits = createPgCreditLedger(deps.orm);
  const usage = createPgUsageLedger(deps.orm);
  return {
    async getBalance(_req, ctx) {
      const principal = await deps.auth.authenticate(ctx.requestHeader.get("authorization"), "billing:read");
      const b = await getBalance(credits, principal.orgId);
      return { balance: BigInt(b.balance), held: BigInt(b.held), available: BigInt(b.available) };
    },

    async listUsage(req, ctx) {
      const principal = await deps.auth.authenticate(ctx.requestHeader.get("authorization"), "billing:read");
      const page = await listUsage(usage, principal.orgId, { limit: req.limit, cursor: req.cursor, jobId: req.jobId });
      return { entries: page.entries.map(ledgerEntryToProto), nextCursor: page.nextCursor };
    },

    ...createBalanceWatchHandler({ ...deps, credits }),
  };
}
