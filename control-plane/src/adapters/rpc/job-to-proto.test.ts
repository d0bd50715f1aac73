import { timestampDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase, JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { toJobSnapshot, type JobRecord } from "../postgres/job-record.js";
import type { StoredBalanceEvent, StoredJobEvent } from "../postgres/job-store.js";
import { jobEventToProto, jobToProto } from "./job-to-proto.js";

const created = new Date("2026-11-29T10:00:00.000Z");
const failed: JobRecord = {
  id: "job_0123456789abcdef01234567",
  orgId: "org_1",
  type: "transcode",
  status: JobStatus.FAILED,
  attempt: 2,
  priority: -5,
  params: { format: "mp4", nested: { a: [1, "b", null] } },
  inputs: [{ name: "source", url: "https://example.com/a.mp4", sizeBytes: 5_000_000_000, contentType: "video/mp4" }],
  progress: { percent: 40, step: "encode", message: "40%" },
  steps: [{ name: "download", startedAt: "2026-11-29T10:00:01.000Z", finishedAt: "2026-11-29T10:00:02.000Z" }, { name: "encode", startedAt: "2026-11-29T10:00:02.000Z" }],
  error: { code: "PROVIDER_ERROR", message: "ffmpeg exited 1", detail: "stderr tail", retryable: true, phase: "PROCESS" },
  output: null,
  estimatedCredits: 1805,
  actualCredits: 0,
  heldCredits: 0,
  testMode: false,
  idempotencyKey: "k-1",
  apiKeyId: "key_1",
  agentId: "agt_1",
  cancelRequested: false,
  deadlineAt: null,
  version: 7,
  createdAt: created,
  dispatchedAt: new Date("2026-11-29T10:00:00.500Z"),
  startedAt: new Date("2026-11-29T10:00:01.000Z"),
  completedAt: new Date("2026-11-29T10:00:03.000Z"),
  updatedAt: new Date("2026-11-29T10:00:03.000Z"),
};

describe("jobToProto", () => {
  it("renders every field of a failed job", () => {
    const job = jobToProto(failed);
    expect(job).toMatchObject({
      id: failed.id,
      orgId: "org_1",
      type: "transcode",
      status: JobStatus.FAILED,
      params: failed.params,
      attempt: 2,
      priority: -5,
      idempotencyKey: "k-1",
      testMode: false,
      cancelRequested: false,
      progress: { percent: 40, step: "encode", message: "40%" },
      error: {
        code: ErrorCode.PROVIDER_ERROR,
        message: "ffmpeg exited 1",
        detail: "stderr tail",
        retryable: true,
        failedPhase: JobPhase.PROCESS,
      },
      cost: { estimatedCredits: 1805n, actualCredits: 0n },
    });
    expect(job.inputs[0]).toMatchObject({ name: "source", sizeBytes: 5_000_000_000n, contentType: "video/mp4" });
    expect(job.steps.map((s) => [s.name, s.finishedAt !== undefined])).toEqual([
      ["download", true],
      ["encode", false],
    ]);
    expect(job.createdAt && timestampDate(job.createdAt)).toEqual(created);
    expect(job.completedAt && timestampDate(job.completedAt)).toEqual(failed.completedAt);
    expect(job.output).toBeUndefined();
  });

  it("renders an event snapshot exactly like the record it was taken from", () => {
    expect(jobToProto(toJobSnapshot(failed))).toEqual(jobToProto(failed));
  });

  it("leaves unset what a fresh WAITING job does not have", () => {
    const waiting = jobToProto({
      ...failed,
      status: JobStatus.WAITING,
      attempt: 1,
      progress: null,
      steps: [],
      error: null,
      actualCredits: null,
      idempotencyKey: null,
      dispatchedAt: null,
      startedAt: null,
      completedAt: null,
    });
    expect(waiting.status).toBe(JobStatus.WAITING);
    expect(waiting.progress).toBeUndefined();
    expect(waiting.error).toBeUndefined();
    expect(waiting.idempotencyKey).toBe("");
    expect(waiting.cost?.actualCredits).toBe(0n);
    expect(waiting.dispatchedAt).toBeUndefined();
    expect(waiting.startedAt).toBeUndefined();
  });

  it("renders outputs: files with sizes and JSON data", () => {
    const done = jobToProto({
      ...failed,
      status: JobStatus.COMPLETE,
      error: null,
      output: {
        files: [{ name: "thumbnail", url: "https://blob/x.jpg", contentType: "image/jpeg", sizeBytes: 1234, meta: { width: 320 } }],
        data: { echoed: true },
        expiresAt: "2026-11-30T10:00:00.000Z",
      },
    });
    expect(done.output?.files[0]).toMatchObject({ name: "thumbnail", sizeBytes: 1234n, meta: { width: 320 } });
    expect(done.output?.data).toEqual({ echoed: true });
    expect(done.output?.expiresAt && timestampDate(done.output.expiresAt).toISOString()).toBe("2026-11-30T10:00:00.000Z");
  });

  it("maps an unknown stored error code or phase to UNSPECIFIED, not retryable", () => {
    const job = jobToProto({ ...failed, error: { ...failed.error!, code: "FROM_THE_FUTURE", phase: "?" } });
    expect(job.error).toMatchObject({ code: ErrorCode.UNSPECIFIED, retryable: false, failedPhase: JobPhase.UNSPECIFIED });
  });
});

describe("jobEventToProto", () => {
  it("carries the sequence, the status and the job snapshot", () => {
    const event: StoredJobEvent = {
      id: "1",
      eventId: "evt_1",
      orgId: "org_1",
      jobId: failed.id,
      attempt: 2,
      type: "job.failed",
      status: "failed",
      payload: toJobSnapshot(failed),
      occurredAt: created,
      sequence: "42",
      publishedAt: null,
    };
    const proto = jobEventToProto(event);
    expect(proto).toMatchObject({ id: "evt_1", sequence: 42n, type: "job.failed", status: JobStatus.FAILED, attempt: 2 });
    expect(proto.progress).toBeUndefined();
    expect(proto.job?.id).toBe(failed.id);
    expect(proto.balance).toBeUndefined();
  });

  it("renders a balance event as the org's: the snapshot, no job, status UNSPECIFIED", () => {
    const event: StoredBalanceEvent = {
      id: "2",
      eventId: "evt_2",
      orgId: "org_1",
      jobId: null,
      attempt: null,
      type: "balance.low",
      status: null,
      payload: { balance: 150, held: 60, available: 90, threshold: 100 },
      occurredAt: created,
      sequence: "43",
      publishedAt: null,
    };
    const proto = jobEventToProto(event);
    expect(proto).toMatchObject({ id: "evt_2", sequence: 43n, orgId: "org_1", jobId: "", type: "balance.low", status: JobStatus.UNSPECIFIED, attempt: 0 });
    expect(proto.job).toBeUndefined();
    expect(proto.progress).toBeUndefined();
    expect(timestampDate(proto.occurredAt!)).toEqual(created);
    expect(proto.balance).toMatchObject({ balance: 150n, held: 60n, available: 90n, threshold: 100n });
  });
});
