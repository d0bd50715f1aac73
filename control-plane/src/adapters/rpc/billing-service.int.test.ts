/**
 * BillingService through the real server: the balance and the ledger follow
 * holds, releases and captures, page newest first, and need billing:read.
 */
import { describe, expect, it } from "vitest";
import { BillingService, LedgerEntryKind } from "../../../../proto/gen/jobplane/v1/billing_service_pb.js";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { driveToRunning, errorCodeOf, rejection, seedCaller, useJobApi } from "../../../../test/support/job-api.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";

/** test.sleep as seeded: 1 credit + 1 per second over 300 s. */
const SLEEP_PRICE = 301;

describe("BillingService", () => {
  const api = useJobApi();

  it("reflects holds, releases and captures in the balance and the usage", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm, { credits: 1000 });
    const jobs = api.cp.client(JobService, caller.key);
    const billing = api.cp.client(BillingService, caller.key, "grpc");
    expect(await billing.getBalance({})).toMatchObject({ balance: 1000n, held: 0n, available: 1000n });

    const completed = (await jobs.submitJob({ type: "test.sleep", params: { seconds: 5 } })).job?.id ?? "";
    const cancelled = (await jobs.submitJob({ type: "test.echo" })).job?.id ?? "";
    expect(await billing.getBalance({})).toMatchObject({ held: BigInt(SLEEP_PRICE + 1), available: BigInt(1000 - SLEEP_PRICE - 1) });

    await jobs.cancelJob({ id: cancelled });
    await driveToRunning(orm, completed, "test.sleep");
    await createPgJobStore(orm).applyEvent(completed, { status: JobStatus.RUNNING, attempt: 1 }, { kind: "completed", usageSeconds: 5 }, {
      actualCredits: 6,
    });
    expect(await billing.getBalance({})).toMatchObject({ balance: 994n, held: 0n, available: 994n });

    const usage = await billing.listUsage({});
    expect(usage.nextCursor).toBe("");
    expect(usage.entries.map((e) => [e.kind, e.amount, e.jobId])).toEqual([
      [LedgerEntryKind.RELEASE, BigInt(SLEEP_PRICE - 6), completed],
      [LedgerEntryKind.CAPTURE, 6n, completed],
      [LedgerEntryKind.RELEASE, 1n, cancelled],
      [LedgerEntryKind.HOLD, 1n, cancelled],
      [LedgerEntryKind.HOLD, BigInt(SLEEP_PRICE), completed],
      [LedgerEntryKind.TOPUP, 1000n, ""],
    ]);
    expect(usage.entries[0]).toMatchObject({ attempt: 1 });
    expect(usage.entries.at(-1)).toMatchObject({ memo: "seed", attempt: 0 });
    expect(usage.entries[0]?.createdAt).toBeDefined();

    const forJob = await billing.listUsage({ jobId: cancelled });
    expect(forJob.entries.map((e) => e.kind)).toEqual([LedgerEntryKind.RELEASE, LedgerEntryKind.HOLD]);

    // Pages of two, newest first, no gaps.
    const ids: string[] = [];
    let cursor = "";
    do {
      const page = await billing.listUsage({ limit: 2, cursor });
      ids.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== "");
    expect(ids).toEqual(usage.entries.map((e) => e.id));
  });

  it("shows nothing of another org and refuses bad pages", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm, { credits: 10 });
    const other = await seedCaller(orm, { credits: 99 });
    await api.cp.client(JobService, other.key).submitJob({ type: "test.echo" });
    const billing = api.cp.client(BillingService, caller.key);
    expect((await billing.listUsage({})).entries).toHaveLength(1);
    expect(await billing.getBalance({})).toMatchObject({ balance: 10n, held: 0n });
    expect((await rejection(billing.listUsage({ limit: 101 }))).detail.violations[0]?.path).toBe("/limit");
    expect((await rejection(billing.listUsage({ cursor: "nope" }))).detail.violations[0]?.path).toBe("/cursor");
  });

  it("needs billing:read", async () => {
    const jobsOnly = await seedCaller(api.db.orm, { scopes: ["jobs:read", "jobs:write"] });
    const billing = api.cp.client(BillingService, jobsOnly.key);
    expect(await errorCodeOf(billing.getBalance({}))).toBe(ErrorCode.FORBIDDEN);
    expect(await errorCodeOf(billing.listUsage({}))).toBe(ErrorCode.FORBIDDEN);
    expect(await errorCodeOf(api.cp.client(BillingService).getBalance({}))).toBe(ErrorCode.UNAUTHORIZED);
  });
});
