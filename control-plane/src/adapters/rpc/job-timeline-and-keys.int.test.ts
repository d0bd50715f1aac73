/**
 * The read RPCs the REST gateway builds on: a job's timeline (ListJobEvents),
 * one job type (GetJobType) and an org's keys (ListApiKeys).
 */
import { describe, expect, it } from "vitest";
import { AdminService } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { COMPLETED_TIMELINE, driveToCompletion, eventually } from "../../../../test/support/job-lifecycle.js";
import { errorCodeOf, seedCaller, useJobApi } from "../../../../test/support/job-api.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";

describe("ListJobEvents", () => {
  const api = useJobApi();

  it("pages a job's timeline in order and hides other orgs' jobs", async () => {
    const owner = await seedCaller(api.db.orm, { credits: 100 });
    const other = await seedCaller(api.db.orm, { credits: 100 });
    const jobs = api.cp.client(JobService, owner.key);
    const { job } = await jobs.submitJob({ type: "test.echo", params: { a: 1 } });
    await driveToCompletion(api.db.orm, createPgJobStore(api.db.orm), job!.id, "test.echo");

    const all = await eventually("the whole timeline is sequenced", async () => {
      const page = await jobs.listJobEvents({ id: job!.id });
      return page.events.some((e) => e.type === "job.completed") ? page : undefined;
    });
    expect(all.events.map((e) => e.type)).toEqual(COMPLETED_TIMELINE);
    expect(all.hasMore).toBe(false);

    const first = await jobs.listJobEvents({ id: job!.id, limit: 2 });
    expect(first.hasMore).toBe(true);
    const rest = await jobs.listJobEvents({ id: job!.id, afterSequence: first.events.at(-1)!.sequence });
    expect([...first.events, ...rest.events].map((e) => e.id)).toEqual(all.events.map((e) => e.id));

    expect(await errorCodeOf(api.cp.client(JobService, other.key).listJobEvents({ id: job!.id }))).toBe(ErrorCode.NOT_FOUND);
    expect(await errorCodeOf(jobs.listJobEvents({ id: job!.id, limit: 501 }))).toBe(ErrorCode.VALIDATION_ERROR);
  });
});

describe("GetJobType", () => {
  const api = useJobApi();

  it("returns a type of the caller's plan with its schema, and NOT_FOUND otherwise", async () => {
    const free = await seedCaller(api.db.orm, { plan: "free" });
    const jobs = api.cp.client(JobService, free.key);
    const { jobType } = await jobs.getJobType({ name: "test.sleep" });
    expect(jobType?.paramsSchema).toMatchObject({ required: ["seconds"] });
    expect(await errorCodeOf(jobs.getJobType({ name: "transcode" }))).toBe(ErrorCode.NOT_FOUND);
    expect(await errorCodeOf(jobs.getJobType({ name: "nope" }))).toBe(ErrorCode.NOT_FOUND);
  });
});

describe("ListApiKeys", () => {
  const api = useJobApi();

  it("lists the org's own keys without secrets, newest first", async () => {
    const caller = await seedCaller(api.db.orm);
    const admin = api.cp.client(AdminService, caller.key);
    const created = await admin.createApiKey({ name: "ci" });
    const { keys } = await admin.listApiKeys({});
    expect(keys.map((k) => k.id)).toContain(created.key!.id);
    expect(keys[0]!.id).toBe(created.key!.id);
    expect(JSON.stringify(keys, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(created.apiKey);

    const other = await seedCaller(api.db.orm);
    expect(await errorCodeOf(admin.listApiKeys({ orgId: other.orgId }))).toBe(ErrorCode.NOT_FOUND);
  });
});
