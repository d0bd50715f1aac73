/**
 * GetJob and ListJobs through the real server: org scoping (another org's
 * job is NOT_FOUND), keyset pagination without duplicates or gaps, filters,
 * and refusals of bad limits and cursors.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { errorCodeOf, rejection, seedCaller, useJobApi } from "../../../../test/support/job-api.js";
import { encodeCursor } from "../../domain/page-cursor.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";
import type { Orm } from "../postgres/orm.js";

/** Saves `count` free jobs of `type` for the org straight through the store. */
async function saveJobs(orm: Orm, orgId: string, type: string, count: number): Promise<string[]> {
  const store = createPgJobStore(orm);
  const saved = await Promise.all(
    Array.from({ length: count }, () => store.submitJob({ orgId, type, estimatedCredits: 0, testMode: true })),
  );
  return saved.map((s) => s.job.id);
}

describe("GetJob", () => {
  const api = useJobApi();

  it("returns the caller's job and NOT_FOUND for another org's, a missing or a malformed id", async () => {
    const { orm } = api.db;
    const owner = await seedCaller(orm, { credits: 10 });
    const stranger = await seedCaller(orm, { credits: 10 });
    const { job } = await api.cp.client(JobService, owner.key).submitJob({ type: "test.echo", params: { a: 1 } });
    const id = job?.id ?? "";

    const mine = await api.cp.client(JobService, owner.key, "grpc").getJob({ id });
    expect(mine.job).toMatchObject({ id, status: JobStatus.WAITING, params: { a: 1 } });

    for (const protocol of ["connect", "grpc"] as const) {
      const theirs = api.cp.client(JobService, stranger.key, protocol);
      expect(await errorCodeOf(theirs.getJob({ id }))).toBe(ErrorCode.NOT_FOUND);
      expect(await errorCodeOf(theirs.getJob({ id: "job_0000000000000000ffff" }))).toBe(ErrorCode.NOT_FOUND);
      expect(await errorCodeOf(theirs.getJob({ id: "'; drop table jobs; --" }))).toBe(ErrorCode.NOT_FOUND);
      expect(await errorCodeOf(theirs.getJob({ id: "" }))).toBe(ErrorCode.NOT_FOUND);
    }
  });

  it("needs jobs:read", async () => {
    const writer = await seedCaller(api.db.orm, { scopes: ["jobs:write"] });
    expect(await errorCodeOf(api.cp.client(JobService, writer.key).getJob({ id: "job_0000000000000000" }))).toBe(
      ErrorCode.FORBIDDEN,
    );
  });
});

describe("ListJobs", () => {
  const api = useJobApi({ poolSize: 20 });

  it("pages 120 jobs as 50/50/20, newest first, without duplicates or gaps, and filters", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm);
    const echoes = await saveJobs(orm, caller.orgId, "test.echo", 80);
    const sleeps = await saveJobs(orm, caller.orgId, "test.sleep", 40);
    // A third of the jobs share one created_at to the microsecond: only the id can order them.
    await orm.em
      .fork()
      .execute(`update jobs set created_at = '2026-11-29T10:00:00.123456Z' where id in (${echoes.slice(0, 40).map(() => "?").join(", ")})`, echoes.slice(0, 40));
    const other = await seedCaller(orm);
    await saveJobs(orm, other.orgId, "test.echo", 5);

    const jobs = api.cp.client(JobService, caller.key);
    const pages: string[][] = [];
    let cursor = "";
    do {
      const page = await jobs.listJobs({ limit: 50, cursor });
      pages.push(page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
    } while (cursor !== "" && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    const listed = pages.flat();
    expect(new Set(listed).size).toBe(120);
    expect(new Set(listed)).toEqual(new Set([...echoes, ...sleeps]));

    // Newest first, ties broken by id, exactly as the database orders them.
    const expected = (await orm.em
      .fork()
      .execute("select id from jobs where org_id = ? order by created_at desc, id desc", [caller.orgId])) as { id: string }[];
    expect(listed).toEqual(expected.map((r) => r.id));

    // Default page size.
    expect((await jobs.listJobs({})).jobs).toHaveLength(50);

    // Filters: type, status, both, creation time.
    const sleepPage = await jobs.listJobs({ type: "test.sleep", limit: 100 });
    expect(new Set(sleepPage.jobs.map((j) => j.id))).toEqual(new Set(sleeps));
    expect(sleepPage.nextCursor).toBe("");
    const store = createPgJobStore(orm);
    for (const id of sleeps.slice(0, 10)) {
      await store.applyEvent(id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "cancelRequested" });
    }
    const cancelled = await jobs.listJobs({ statuses: [JobStatus.CANCELLED] });
    expect(new Set(cancelled.jobs.map((j) => j.id))).toEqual(new Set(sleeps.slice(0, 10)));
    const waitingSleeps = await jobs.listJobs({ statuses: [JobStatus.WAITING], type: "test.sleep" });
    expect(waitingSleeps.jobs).toHaveLength(30);
    const both = await jobs.listJobs({ statuses: [JobStatus.WAITING, JobStatus.CANCELLED], limit: 100 });
    expect(both.jobs).toHaveLength(100);
    const shared = new Date("2026-11-29T10:00:00.123Z");
    const inWindow = await jobs.listJobs({
      createdAfter: timestampFromDate(shared),
      createdBefore: timestampFromDate(new Date(shared.getTime() + 1)),
      limit: 100,
    });
    expect(new Set(inWindow.jobs.map((j) => j.id))).toEqual(new Set(echoes.slice(0, 40)));
  });

  it("refuses a limit over 100, a garbage cursor and an unspecified status", async () => {
    const caller = await seedCaller(api.db.orm);
    const jobs = api.cp.client(JobService, caller.key, "grpc");
    const tooMany = await rejection(jobs.listJobs({ limit: 101 }));
    expect(tooMany.detail.code).toBe(ErrorCode.VALIDATION_ERROR);
    expect(tooMany.detail.violations.map((v) => v.path)).toEqual(["/limit"]);
    for (const cursor of ["garbage", "%%%", encodeCursor(["yesterday", "job_0000000000000000"])]) {
      const bad = await rejection(jobs.listJobs({ cursor }));
      expect(bad.detail.code).toBe(ErrorCode.VALIDATION_ERROR);
      expect(bad.detail.violations.map((v) => v.path)).toEqual(["/cursor"]);
    }
    expect(await errorCodeOf(jobs.listJobs({ statuses: [JobStatus.UNSPECIFIED] }))).toBe(ErrorCode.VALIDATION_ERROR);
  });
});
