import { describe, expect, it } from "vitest";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { DomainError } from "../domain/domain-error.js";
import { fakeJob } from "./app-test-fakes.js";
import { listJobs, type JobListKey, type JobLister, type ListedJob } from "./list-jobs.js";

/** 7 jobs, newest first, keyed like the database would. */
const ALL: ListedJob[] = Array.from({ length: 7 }, (_, i) => {
  const id = `job_${String(9 - i).padStart(16, "0")}`;
  return { job: fakeJob({ id }), key: { createdAt: `2026-11-29T10:00:0${9 - i}.000001Z`, id } };
});

const lister: JobLister & { calls: { after: JobListKey | undefined; limit: number }[] } = {
  calls: [],
  async listJobs(_org, _filter, after, limit) {
    this.calls.push({ after, limit });
    const start = after === undefined ? 0 : ALL.findIndex((r) => r.key.id === after.id) + 1;
    return ALL.slice(start, start + limit);
  },
};

const query = { statuses: [], type: "", createdAfter: undefined, createdBefore: undefined, cursor: "" };

describe("listJobs", () => {
  it("pages with an opaque cursor until the last page, which has none", async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor = "";
    do {
      const page = await listJobs(lister, "org_a", { ...query, limit: 3, cursor });
      seen.push(...page.jobs.map((j) => j.id));
      sizes.push(page.jobs.length);
      cursor = page.nextCursor;
    } while (cursor !== "");
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(ALL.map((r) => r.job.id));
    // One extra row is asked for to know whether a next page exists.
    expect(lister.calls.every((c) => c.limit === 4)).toBe(true);
  });

  it("has no cursor when a page is exactly the rest", async () => {
    expect((await listJobs(lister, "org_a", { ...query, limit: 7 })).nextCursor).toBe("");
  });

  it("refuses an unspecified status", async () => {
    const err = await listJobs(lister, "org_a", { ...query, limit: 0, statuses: [JobStatus.WAITING, JobStatus.UNSPECIFIED] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).violations.map((v) => v.path)).toEqual(["/statuses/1"]);
  });
});
