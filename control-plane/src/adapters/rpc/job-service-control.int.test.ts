/**
 * CancelJob and RetryJob through the real server. States the API cannot
 * reach yet (RUNNING, FAILED) are reached through the JobStore, as the
 * dispatcher and an agent would move the job.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { BillingService } from "../../../../proto/gen/jobplane/v1/billing_service_pb.js";
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import {
  driveToFailed,
  driveToRunning,
  errorCodeOf,
  jobLedger,
  rejection,
  seedCaller,
  useJobApi,
} from "../../../../test/support/job-api.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";

/** test.sleep as seeded: 1 credit + 1 per second over 300 s. */
const SLEEP_PRICE = 301;

describe("CancelJob", () => {
  const api = useJobApi();

  it("cancels a WAITING job at once and releases its hold; a second cancel is a CONFLICT", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm, { credits: 1000 });
    const jobs = api.cp.client(JobService, caller.key);
    const billing = api.cp.client(BillingService, caller.key);
    const { job } = await jobs.submitJob({ type: "test.sleep", params: { seconds: 1 } });
    const id = job?.id ?? "";
    expect(await billing.getBalance({})).toMatchObject({ held: BigInt(SLEEP_PRICE), available: BigInt(1000 - SLEEP_PRICE) });

    const cancelled = await jobs.cancelJob({ id });
    expect(cancelled.job).toMatchObject({ id, status: JobStatus.CANCELLED, cost: { actualCredits: 0n } });
    expect(cancelled.job?.completedAt).toBeDefined();
    expect(await billing.getBalance({})).toMatchObject({ balance: 1000n, held: 0n, available: 1000n });
    expect(await jobLedger(orm, id)).toEqual([
      ["hold", SLEEP_PRICE, 1],
      ["release", SLEEP_PRICE, 1],
    ]);

    const again = await rejection(api.cp.client(JobService, caller.key, "grpc").cancelJob({ id }));
    expect(again.detail.code).toBe(ErrorCode.CONFLICT);
    expect((await createPgJobStore(orm).listJobEvents(id)).map((e) => e.type)).toEqual(["job.created", "job.cancelled"]);
  });

  it("cancels a DISPATCHED job at once", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm, { credits: 10 });
    const jobs = api.cp.client(JobService, caller.key);
    const id = (await jobs.submitJob({ type: "test.echo" })).job?.id ?? "";
    await createPgJobStore(orm).applyEvent(id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "published" });
    expect((await jobs.cancelJob({ id })).job?.status).toBe(JobStatus.CANCELLED);
  });

  it("records a cancel request on a RUNNING job, once", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm, { credits: 1000 });
    const jobs = api.cp.client(JobService, caller.key, "grpc");
    const id = (await jobs.submitJob({ type: "test.sleep", params: { seconds: 100 } })).job?.id ?? "";
    await driveToRunning(orm, id, "test.sleep");

    const first = await jobs.cancelJob({ id });
    expect(first.job).toMatchObject({ id, status: JobStatus.RUNNING, cancelRequested: true });
    const second = await jobs.cancelJob({ id });
    expect(second.job).toMatchObject({ status: JobStatus.RUNNING, cancelRequested: true });

    const events = (await createPgJobStore(orm).listJobEvents(id)).map((e) => e.type);
    expect(events).toEqual(["job.created", "job.dispatched", "job.started", "job.cancel_requested"]);
    // Still held until the agent stops.
    expect(await api.cp.client(BillingService, caller.key).getBalance({})).toMatchObject({ held: BigInt(SLEEP_PRICE) });
  });

  it("refuses terminal jobs, other orgs' jobs and keys without jobs:write", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm, { credits: 1000 });
    const reader = await seedCaller(orm, { scopes: ["jobs:read"] });
    const jobs = api.cp.client(JobService, caller.key);
    const id = (await jobs.submitJob({ type: "test.echo" })).job?.id ?? "";
    await driveToFailed(orm, id, "test.echo");
    expect(await errorCodeOf(jobs.cancelJob({ id }))).toBe(ErrorCode.CONFLICT);
    expect(await errorCodeOf(api.cp.client(JobService, reader.key).cancelJob({ id }))).toBe(ErrorCode.FORBIDDEN);
    const stranger = await seedCaller(orm);
    expect(await errorCodeOf(api.cp.client(JobService, stranger.key).cancelJob({ id }))).toBe(ErrorCode.NOT_FOUND);
  });
});

describe("RetryJob", () => {
  const api = useJobApi();

  it("puts a FAILED job back to WAITING as attempt 2 with a new hold at today's price", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm, { credits: 1000 });
    const jobs = api.cp.client(JobService, caller.key);
    const id = (await jobs.submitJob({ type: "test.sleep", params: { seconds: 5 } })).job?.id ?? "";
    await driveToFailed(orm, id, "test.sleep");
    // The catalog's price changed since the first attempt: the retry holds the new one.
    await orm.em.fork().execute("update job_types set base_credits = 11, updated_at = now() where name = 'test.sleep'");

    const retried = await api.cp.client(JobService, caller.key, "grpc").retryJob({ id });
    expect(retried.job).toMatchObject({
      id,
      status: JobStatus.WAITING,
      attempt: 2,
      cost: { estimatedCredits: BigInt(SLEEP_PRICE + 10), actualCredits: 0n },
    });
    expect(retried.job?.error).toBeUndefined();
    expect(await jobLedger(orm, id)).toEqual([
      ["hold", SLEEP_PRICE, 1],
      ["release", SLEEP_PRICE, 1],
      ["hold", SLEEP_PRICE + 10, 2],
    ]);
    expect(await api.cp.client(BillingService, caller.key).getBalance({})).toMatchObject({
      held: BigInt(SLEEP_PRICE + 10),
    });
    expect((await createPgJobStore(orm).listJobEvents(id)).at(-1)?.type).toBe("job.retried");
  });

  it("refuses a job that is not FAILED with CONFLICT", async () => {
    const caller = await seedCaller(api.db.orm, { credits: 10 });
    const jobs = api.cp.client(JobService, caller.key);
    const id = (await jobs.submitJob({ type: "test.echo" })).job?.id ?? "";
    expect(await errorCodeOf(jobs.retryJob({ id }))).toBe(ErrorCode.CONFLICT);
    await jobs.cancelJob({ id });
    expect(await errorCodeOf(jobs.retryJob({ id }))).toBe(ErrorCode.CONFLICT);
  });

  it("refuses with INSUFFICIENT_CREDITS when the new hold does not fit, leaving the job FAILED", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm, { credits: SLEEP_PRICE });
    const jobs = api.cp.client(JobService, caller.key);
    const id = (await jobs.submitJob({ type: "test.sleep", params: { seconds: 5 } })).job?.id ?? "";
    await driveToFailed(orm, id, "test.sleep");
    // Another job now holds most of the balance.
    await jobs.submitJob({ type: "test.echo" });

    const refused = await rejection(jobs.retryJob({ id }));
    expect(refused.detail.code).toBe(ErrorCode.INSUFFICIENT_CREDITS);
    expect(refused.detail.metadata).toEqual({ available: String(SLEEP_PRICE - 1), needed: String(SLEEP_PRICE) });
    expect((await jobs.getJob({ id })).job).toMatchObject({ status: JobStatus.FAILED, attempt: 1 });
  });

  it("keeps a test-mode job free on retry", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm, { testMode: true });
    const jobs = api.cp.client(JobService, caller.key);
    const id = (await jobs.submitJob({ type: "test.sleep", params: { seconds: 5 } })).job?.id ?? "";
    await driveToFailed(orm, id, "test.sleep");
    expect((await jobs.retryJob({ id })).job).toMatchObject({ attempt: 2, cost: { estimatedCredits: 0n } });
    expect(await jobLedger(orm, id)).toEqual([]);
  });
});
