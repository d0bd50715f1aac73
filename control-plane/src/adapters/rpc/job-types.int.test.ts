/**
 * The job-type catalog through the real server: the seeded types, what each
 * plan sees (ListJobTypes), and UpsertJobType changing what the next submit
 * accepts.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { AdminService } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus, JobTypeSchema } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { TEST_ADMIN_TOKEN } from "../../../../test/support/control-plane.js";
import { errorCodeOf, rejection, seedCaller, useJobApi } from "../../../../test/support/job-api.js";
import { compileParamsSchema } from "../../domain/params-schema.js";

const FREE_TYPES = ["ffprobe", "test.echo", "test.fail", "test.sleep", "thumbnail"];
const ALL_TYPES = ["ffmpeg", "ffprobe", "test.echo", "test.fail", "test.sleep", "thumbnail", "transcode"];

const resize = (overrides: Partial<Parameters<typeof create<typeof JobTypeSchema>>[1]> = {}) =>
  create(JobTypeSchema, {
    name: "acme.resize",
    description: "Resizes an image",
    paramsSchema: {
      type: "object",
      required: ["width"],
      properties: { width: { type: "integer", minimum: 1 } },
      additionalProperties: false,
    },
    maxExecutionSeconds: 30,
    queueTtlSeconds: 300,
    baseCredits: 2n,
    creditsPerSecond: 1n,
    allowedPlans: ["pro"],
    ...overrides,
  });

describe("ListJobTypes", () => {
  const api = useJobApi();

  it("shows each plan only its types, with schemas that compile and their prices", async () => {
    const { orm } = api.db;
    const free = await seedCaller(orm, { plan: "free" });
    const pro = await seedCaller(orm, { plan: "pro" });

    const freeTypes = (await api.cp.client(JobService, free.key).listJobTypes({})).jobTypes;
    expect(freeTypes.map((t) => t.name)).toEqual(FREE_TYPES);
    const proTypes = (await api.cp.client(JobService, pro.key, "grpc").listJobTypes({})).jobTypes;
    expect(proTypes.map((t) => t.name)).toEqual(ALL_TYPES);

    for (const type of proTypes) {
      expect(() => compileParamsSchema(type.paramsSchema), type.name).not.toThrow();
      expect(type.maxExecutionSeconds, type.name).toBeGreaterThan(0);
      expect(type.queueTtlSeconds, type.name).toBeGreaterThan(0);
    }
    // Every type a free org may submit also fits the free plan's 300 s.
    for (const type of freeTypes) expect(type.maxExecutionSeconds, type.name).toBeLessThanOrEqual(300);
    expect(proTypes.find((t) => t.name === "test.echo")).toMatchObject({ baseCredits: 1n, creditsPerSecond: 0n });
    expect(proTypes.find((t) => t.name === "test.sleep")?.creditsPerSecond).toBeGreaterThan(0n);
  });
});

describe("UpsertJobType", () => {
  const api = useJobApi();

  it("adds a type whose schema the next submit enforces, and replaces it", async () => {
    const { orm } = api.db;
    const pro = await seedCaller(orm, { plan: "pro", credits: 1000 });
    const admin = api.cp.client(AdminService, TEST_ADMIN_TOKEN);
    const jobs = api.cp.client(JobService, pro.key);

    const saved = await admin.upsertJobType({ jobType: resize() });
    expect(saved.jobType).toMatchObject({ name: "acme.resize", baseCredits: 2n, allowedPlans: ["pro"] });

    const bad = await rejection(jobs.submitJob({ type: "acme.resize", params: { width: 0, height: 3 } }));
    expect(bad.detail.code).toBe(ErrorCode.VALIDATION_ERROR);
    expect(bad.detail.violations.map((v) => v.path)).toEqual(["/params/height", "/params/width"]);
    const ok = await jobs.submitJob({ type: "acme.resize", params: { width: 64 } });
    expect(ok.job).toMatchObject({ status: JobStatus.WAITING, cost: { estimatedCredits: 32n } });

    // Replace: height is now required too, and the very next submit knows it.
    await admin.upsertJobType({
      jobType: resize({
        paramsSchema: { type: "object", required: ["width", "height"], properties: { width: { type: "integer" }, height: { type: "integer" } } },
      }),
    });
    const now = await rejection(jobs.submitJob({ type: "acme.resize", params: { width: 64 } }));
    expect(now.detail.violations.map((v) => v.path)).toEqual(["/params/height"]);
    expect((await jobs.listJobTypes({})).jobTypes.map((t) => t.name)).toContain("acme.resize");
  });

  it("refuses a bad definition with every problem, and callers without the admin token", async () => {
    const admin = api.cp.client(AdminService, TEST_ADMIN_TOKEN, "grpc");
    const invalid = await rejection(
      admin.upsertJobType({
        jobType: resize({
          name: "Bad Name",
          paramsSchema: { type: "strng" },
          maxExecutionSeconds: 0,
          allowedPlans: ["pro", "platinum"],
        }),
      }),
    );
    expect(invalid.detail.code).toBe(ErrorCode.VALIDATION_ERROR);
    expect(invalid.detail.violations.map((v) => v.path)).toEqual([
      "/jobType/name",
      "/jobType/paramsSchema",
      "/jobType/maxExecutionSeconds",
      "/jobType/allowedPlans/1",
    ]);
    expect(await errorCodeOf(admin.upsertJobType({}))).toBe(ErrorCode.VALIDATION_ERROR);

    const pro = await seedCaller(api.db.orm);
    expect(await errorCodeOf(api.cp.client(AdminService).upsertJobType({ jobType: resize() }))).toBe(ErrorCode.UNAUTHORIZED);
    expect(await errorCodeOf(api.cp.client(AdminService, pro.key).upsertJobType({ jobType: resize() }))).toBe(
      ErrorCode.UNAUTHORIZED,
    );
    expect(await errorCodeOf(api.cp.client(AdminService, "wrong-token").upsertJobType({ jobType: resize() }))).toBe(
      ErrorCode.UNAUTHORIZED,
    );
  });
});
