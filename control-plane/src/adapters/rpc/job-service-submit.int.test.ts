/**
 * SubmitJob through the real Connect server, over the Connect protocol
 * (HTTP/1.1) and gRPC (h2c): every submission check failing in turn with its
 * code, then the submissions that pass.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { BillingService } from "../../../../proto/gen/jobplane/v1/billing_service_pb.js";
import { generateApiKey } from "../../domain/api-key-format.js";
import { errorCodeOf, jobLedger, rejection, seedCaller, useJobApi } from "../../../../test/support/job-api.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";

/** test.sleep as seeded: 1 credit + 1 per second over 300 s. */
const SLEEP_PRICE = 301;
const MB = 1024 * 1024;
const input = (name: string, sizeBytes: number) => ({
  name,
  url: `https://media.example.com/${name}.mp4`,
  sizeBytes: BigInt(sizeBytes),
  contentType: "video/mp4",
});

describe.each(["connect", "grpc"] as const)("SubmitJob checks over %s", (protocol) => {
  const api = useJobApi();

  it("fails each check in turn with its own code", async () => {
    const { orm } = api.db;
    const pro = await seedCaller(orm, { plan: "pro", credits: 300 });
    const free = await seedCaller(orm, { plan: "free", credits: 10_000 });
    const readOnly = await seedCaller(orm, { scopes: ["jobs:read"], credits: 10_000 });
    const client = (key: string | undefined) => api.cp.client(JobService, key, protocol);
    const submit = (key: string | undefined, req: Parameters<ReturnType<typeof client>["submitJob"]>[0]) =>
      client(key).submitJob(req);
    const sleep = { type: "test.sleep", params: { seconds: 1 } };

    // Who: no key, a malformed one, an unknown one.
    expect(await errorCodeOf(submit(undefined, sleep))).toBe(ErrorCode.UNAUTHORIZED);
    expect(await errorCodeOf(submit("not-a-key", sleep))).toBe(ErrorCode.UNAUTHORIZED);
    expect(await errorCodeOf(submit(generateApiKey("live").secret, sleep))).toBe(ErrorCode.UNAUTHORIZED);
    // A known key without jobs:write.
    expect(await errorCodeOf(submit(readOnly.key, sleep))).toBe(ErrorCode.FORBIDDEN);
    // The type.
    expect(await errorCodeOf(submit(pro.key, { type: "no.such.type" }))).toBe(ErrorCode.INVALID_JOB_TYPE);

    // The plan: a type it does not include, an oversized input, an oversized sum.
    const notOnFree = await rejection(submit(free.key, { type: "transcode", params: { format: "mp4" } }));
    expect(notOnFree.detail.code).toBe(ErrorCode.PLAN_LIMIT);
    expect(notOnFree.detail.metadata).toMatchObject({ limit: "job_types" });
    const tooBig = await rejection(submit(free.key, { type: "thumbnail", inputs: [input("source", 101 * MB)] }));
    expect(tooBig.detail.code).toBe(ErrorCode.PLAN_LIMIT);
    expect(tooBig.detail.metadata).toEqual({ limit: "max_input_bytes", max: String(100 * MB) });
    const tooBigTogether = await rejection(
      submit(free.key, { type: "thumbnail", inputs: [input("a", 60 * MB), input("b", 60 * MB)] }),
    );
    expect(tooBigTogether.detail.metadata.limit).toBe("max_input_bytes");

    // Params (and request fields): every violation, each with its path.
    const invalid = await rejection(
      submit(pro.key, {
        type: "test.sleep",
        params: { seconds: 5000, extra: true },
        priority: 101,
        inputs: [input("source", 1), { ...input("source", 1), url: "file:///etc/passwd" }],
      }),
    );
    expect(invalid.detail.code).toBe(ErrorCode.VALIDATION_ERROR);
    expect(invalid.detail.violations.map((v) => [v.path, v.description])).toEqual([
      ["/priority", "must be a whole number from -100 to 100"],
      ["/inputs/1/name", 'duplicates /inputs/0/name "source"'],
      ["/inputs/1/url", "must be an http or https URL"],
      ["/params/extra", "is not allowed"],
      ["/params/seconds", "must be <= 3600"],
    ]);
    const missing = await rejection(submit(pro.key, { type: "test.sleep" }));
    expect(missing.detail.violations.map((v) => v.path)).toEqual(["/params/seconds"]);

    // Credits: 300 available, test.sleep holds 301.
    const short = await rejection(submit(pro.key, sleep));
    expect(short.detail.code).toBe(ErrorCode.INSUFFICIENT_CREDITS);
    expect(short.detail.metadata).toEqual({ available: "300", needed: String(SLEEP_PRICE) });

    // Nothing was saved or held by any of it.
    const [{ count }] = (await orm.em.fork().execute("select count(*)::int as count from jobs")) as [{ count: number }];
    expect(count).toBe(0);
  });

  it("refuses a type that may run longer than the plan allows", async () => {
    const { orm } = api.db;
    const free = await seedCaller(orm, { plan: "free", credits: 10_000 });
    await orm.em
      .fork()
      .execute(
        `insert into job_types (name, max_execution_seconds, queue_ttl_seconds, base_credits, allowed_plans)
         values ('test.long', 301, 600, 1, array['free'])`,
      );
    const refused = await rejection(api.cp.client(JobService, free.key, protocol).submitJob({ type: "test.long" }));
    expect(refused.detail.code).toBe(ErrorCode.PLAN_LIMIT);
    expect(refused.detail.metadata).toEqual({ limit: "max_execution_seconds", max: "300" });
  });

  it("saves a good submission as WAITING, holding its price", async () => {
    const { orm } = api.db;
    const pro = await seedCaller(orm, { plan: "pro", credits: 1000 });
    const { job, deduplicated } = await api.cp.client(JobService, pro.key, protocol).submitJob({
      type: "test.sleep",
      params: { seconds: 2 },
      inputs: [input("source", 5 * MB)],
      priority: 7,
      idempotencyKey: "order-1",
    });

    expect(deduplicated).toBe(false);
    expect(job?.id).toMatch(/^job_[0-9a-f]{16,}$/);
    expect(job).toMatchObject({
      orgId: pro.orgId,
      type: "test.sleep",
      status: JobStatus.WAITING,
      params: { seconds: 2 },
      attempt: 1,
      priority: 7,
      idempotencyKey: "order-1",
      testMode: false,
      cost: { estimatedCredits: BigInt(SLEEP_PRICE), actualCredits: 0n },
    });
    expect(job?.inputs).toEqual([expect.objectContaining({ name: "source", sizeBytes: BigInt(5 * MB) })]);
    expect(job?.createdAt).toBeDefined();

    const jobId = job?.id ?? "";
    expect(await jobLedger(orm, jobId)).toEqual([["hold", SLEEP_PRICE, 1]]);
    expect((await createPgJobStore(orm).listJobEvents(jobId)).map((e) => e.type)).toEqual(["job.created"]);
    const balance = await api.cp.client(BillingService, pro.key, protocol).getBalance({});
    expect(balance).toMatchObject({ balance: 1000n, held: BigInt(SLEEP_PRICE), available: BigInt(1000 - SLEEP_PRICE) });
  });
});

describe("SubmitJob", () => {
  const api = useJobApi();

  it("returns the original job for a repeated idempotency key, holding once", async () => {
    const { orm } = api.db;
    const pro = await seedCaller(orm, { credits: 1000 });
    const jobs = api.cp.client(JobService, pro.key);
    const first = await jobs.submitJob({ type: "test.echo", params: { n: 1 }, idempotencyKey: "same" });
    const again = await jobs.submitJob({ type: "test.echo", params: { n: 2 }, idempotencyKey: "same" });
    expect(again.deduplicated).toBe(true);
    expect(again.job?.id).toBe(first.job?.id);
    expect(again.job?.params).toEqual({ n: 1 });
    expect(await jobLedger(orm, first.job?.id ?? "")).toEqual([["hold", 1, 1]]);

    // Another org's identical key is its own job.
    const other = await seedCaller(orm, { credits: 10 });
    const theirs = await api.cp.client(JobService, other.key).submitJob({ type: "test.echo", idempotencyKey: "same" });
    expect(theirs.deduplicated).toBe(false);
    expect(theirs.job?.id).not.toBe(first.job?.id);
  });

  it("runs a test-mode key's job for free: estimate 0, no ledger rows", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm, { credits: 0, testMode: true });
    const { job } = await api.cp.client(JobService, caller.key, "grpc").submitJob({
      type: "test.sleep",
      params: { seconds: 60 },
    });
    expect(job).toMatchObject({ status: JobStatus.WAITING, testMode: true, cost: { estimatedCredits: 0n } });
    const [{ count }] = (await orm.em
      .fork()
      .execute("select count(*)::int as count from credit_ledger where org_id = ?", [caller.orgId])) as [{ count: number }];
    expect(count).toBe(0);
  });

  it("reports a missing type as VALIDATION_ERROR on /type", async () => {
    const caller = await seedCaller(api.db.orm, { credits: 10 });
    const { detail } = await rejection(api.cp.client(JobService, caller.key).submitJob({ params: { a: 1 } }));
    expect(detail.code).toBe(ErrorCode.VALIDATION_ERROR);
    expect(detail.violations.map((v) => v.path)).toEqual(["/type"]);
  });
});
