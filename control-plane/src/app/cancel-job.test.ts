import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";
import type { ExpectedJobState } from "../adapters/postgres/job-store.js";
import { conflict, DomainError } from "../domain/domain-error.js";
import { fakeJob, recordingAfterCommit } from "./app-test-fakes.js";
import { CANCEL_ATTEMPTS, cancelJob } from "./cancel-job.js";

/** A store whose job moves to the next of `reads` on every read; applyEvent succeeds only if `accept` says so. */
function fakeStore(reads: JobRecord[], accept: (expected: ExpectedJobState) => boolean) {
  let i = 0;
  const applied: ExpectedJobState[] = [];
  return {
    applied,
    async getJob() {
      return reads[Math.min(i++, reads.length - 1)];
    },
    async applyEvent(jobId: string, expected: ExpectedJobState) {
      applied.push(expected);
      if (!accept(expected)) throw conflict(`job ${jobId} moved`);
      const next = expected.status === JobStatus.RUNNING ? { cancelRequested: true } : { status: JobStatus.CANCELLED };
      return { job: fakeJob({ ...next, status: next.status ?? expected.status }), effects: [], eventIds: ["evt_1"] };
    },
  };
}

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return err.code;
}

const ID = fakeJob().id;

describe("cancelJob", () => {
  it("re-reads and re-decides when the job moved between read and write", async () => {
    const jobs = fakeStore(
      [fakeJob({ status: JobStatus.WAITING }), fakeJob({ status: JobStatus.DISPATCHED })],
      (e) => e.status === JobStatus.DISPATCHED,
    );
    const job = await cancelJob({ jobs, afterCommit: recordingAfterCommit() }, "org_a", ID);
    expect(job.status).toBe(JobStatus.CANCELLED);
    expect(jobs.applied.map((e) => e.status)).toEqual([JobStatus.WAITING, JobStatus.DISPATCHED]);
  });

  it("ends with CONFLICT when the job became terminal meanwhile", async () => {
    const jobs = fakeStore([fakeJob({ status: JobStatus.DISPATCHED }), fakeJob({ status: JobStatus.FAILED })], () => false);
    expect(await codeOf(cancelJob({ jobs, afterCommit: recordingAfterCommit() }, "org_a", ID))).toBe(ErrorCode.CONFLICT);
    expect(jobs.applied).toHaveLength(1);
  });

  it("gives up after a bounded number of rounds", async () => {
    const jobs = fakeStore([fakeJob({ status: JobStatus.WAITING })], () => false);
    expect(await codeOf(cancelJob({ jobs, afterCommit: recordingAfterCommit() }, "org_a", ID))).toBe(ErrorCode.CONFLICT);
    expect(jobs.applied).toHaveLength(CANCEL_ATTEMPTS);
  });

  it("returns a RUNNING job whose cancel is already requested unchanged", async () => {
    const running = fakeJob({ status: JobStatus.RUNNING, cancelRequested: true });
    const jobs = fakeStore([running], () => true);
    expect(await cancelJob({ jobs, afterCommit: recordingAfterCommit() }, "org_a", ID)).toBe(running);
    expect(jobs.applied).toEqual([]);
  });

  it("hands the transition's effects (notifyAgent) to after-commit", async () => {
    const afterCommit = recordingAfterCommit();
    const jobs = fakeStore([fakeJob({ status: JobStatus.RUNNING })], () => true);
    const job = await cancelJob({ jobs, afterCommit }, "org_a", ID);
    expect(job.cancelRequested).toBe(true);
    expect(afterCommit.runs).toHaveLength(1);
  });

  it("treats another org's job and a malformed id as NOT_FOUND", async () => {
    const jobs = fakeStore([fakeJob({ orgId: "org_b" })], () => true);
    expect(await codeOf(cancelJob({ jobs, afterCommit: recordingAfterCommit() }, "org_a", ID))).toBe(ErrorCode.NOT_FOUND);
    expect(await codeOf(cancelJob({ jobs, afterCommit: recordingAfterCommit() }, "org_a", "job_xyz"))).toBe(ErrorCode.NOT_FOUND);
  });
});
