import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobEventSchema } from "../../../proto/gen/jobplane/v1/event_pb.js";
import { JobPhase, JobSchema, JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { openApiDocument } from "../openapi/document.js";
import { createResponseValidator } from "../openapi/response-validator.js";
import { eventJson, isTerminalStatus, jobEventJson, jobJson, statusName } from "./job-json.js";

const schema = createResponseValidator(structuredClone(openApiDocument));
const T = 1_767_225_600_000;

const full = create(JobSchema, {
  id: "job_0123456789abcdef",
  orgId: "org_1",
  type: "thumbnail",
  status: JobStatus.FAILED,
  params: { width: 320 },
  inputs: [{ name: "source", url: "https://example.test/a.mp4", sizeBytes: 2048n, contentType: "video/mp4" }],
  progress: { percent: 40, step: "encode", message: "40%" },
  steps: [{ name: "download", startedAt: timestampFromMs(T), finishedAt: timestampFromMs(T + 5) }],
  error: { code: ErrorCode.PROVIDER_ERROR, message: "ffmpeg exited 1", detail: "stderr tail", retryable: true, failedPhase: JobPhase.PROCESS },
  output: {
    files: [{ name: "thumb", url: "https://blob.test/t.jpg?sig=x", contentType: "image/jpeg", sizeBytes: 1234n, meta: { width: 320 } }],
    data: { frames: 1 },
    expiresAt: timestampFromMs(T + 3_600_000),
  },
  cost: { estimatedCredits: 121n, actualCredits: 0n },
  attempt: 2,
  idempotencyKey: "once",
  priority: -3,
  testMode: true,
  cancelRequested: false,
  createdAt: timestampFromMs(T),
  dispatchedAt: timestampFromMs(T + 1),
  startedAt: timestampFromMs(T + 2),
  completedAt: timestampFromMs(T + 9),
  updatedAt: timestampFromMs(T + 9),
});

describe("jobJson", () => {
  it("renders every field: lower-case status and phase, unix ms, numbers for int64s", () => {
    expect(jobJson(full)).toEqual({
      id: "job_0123456789abcdef",
      orgId: "org_1",
      type: "thumbnail",
      status: "failed",
      params: { width: 320 },
      inputs: [{ name: "source", url: "https://example.test/a.mp4", sizeBytes: 2048, contentType: "video/mp4" }],
      progress: { percent: 40, step: "encode", message: "40%" },
      steps: [{ name: "download", startedAt: T, finishedAt: T + 5 }],
      error: { code: "PROVIDER_ERROR", message: "ffmpeg exited 1", detail: "stderr tail", retryable: true, failedPhase: "process" },
      output: {
        data: { frames: 1 },
        files: [{ name: "thumb", url: "https://blob.test/t.jpg?sig=x", type: "image/jpeg", size: 1234, meta: { width: 320 } }],
        expiresAt: T + 3_600_000,
      },
      cost: { estimated: 121, actual: 0 },
      attempt: 2,
      priority: -3,
      idempotencyKey: "once",
      testMode: true,
      cancelRequested: false,
      createdAt: T,
      dispatchedAt: T + 1,
      startedAt: T + 2,
      completedAt: T + 9,
      updatedAt: T + 9,
    });
    expect(schema.checkSchema("Job", jobJson(full)).problem).toBeUndefined();
  });

  it("renders absent parts as null, never omitted", () => {
    const bare = jobJson(create(JobSchema, { id: "job_0123456789abcdef", status: JobStatus.WAITING, attempt: 1 }));
    expect(bare).toMatchObject({
      status: "waiting",
      params: {},
      progress: null,
      error: null,
      output: null,
      idempotencyKey: null,
      cost: { estimated: 0, actual: 0 },
      createdAt: null,
      completedAt: null,
    });
    expect(schema.checkSchema("Job", bare).problem).toBeUndefined();
  });

  it("names every status and knows the terminal ones", () => {
    expect([1, 2, 3, 4, 5, 6].map((s) => statusName(s as JobStatus))).toEqual([
      "waiting",
      "dispatched",
      "running",
      "complete",
      "failed",
      "cancelled",
    ]);
    expect(statusName(99 as JobStatus)).toBe("unspecified");
    expect(["complete", "failed", "cancelled"].every((s) => isTerminalStatus(s as never))).toBe(true);
    expect(isTerminalStatus("running")).toBe(false);
  });
});

describe("jobEventJson", () => {
  it("renders an event with its job under data", () => {
    const event = create(JobEventSchema, {
      id: "evt_1",
      sequence: 42n,
      orgId: "org_1",
      jobId: full.id,
      type: "job.progress",
      status: JobStatus.RUNNING,
      progress: { percent: 50, step: "encode", message: "" },
      occurredAt: timestampFromMs(T),
      job: full,
      attempt: 2,
    });
    const json = jobEventJson(event);
    expect(json).toMatchObject({ id: "evt_1", sequence: 42, type: "job.progress", jobId: full.id, status: "running", attempt: 2, occurredAt: T });
    expect(json.progress).toEqual({ percent: 50, step: "encode", message: "" });
    expect(json.data?.id).toBe(full.id);
    expect(schema.checkSchema("JobEvent", json).problem).toBeUndefined();
    expect(jobEventJson(create(JobEventSchema, { sequence: 1n, type: "job.created" })).data).toBeNull();
  });
});

describe("eventJson", () => {
  it("renders a balance event as the org's credits, without job fields", () => {
    const event = create(JobEventSchema, {
      id: "evt_2",
      sequence: 43n,
      orgId: "org_1",
      type: "balance.low",
      occurredAt: timestampFromMs(T),
      balance: { balance: 150n, held: 60n, available: 90n, threshold: 100n },
    });
    expect(eventJson(event)).toEqual({
      type: "balance.low",
      id: "evt_2",
      sequence: 43,
      orgId: "org_1",
      occurredAt: T,
      balance: { balance: 150, held: 60, available: 90, threshold: 100 },
    });
    const depleted = create(JobEventSchema, { id: "evt_3", sequence: 44n, orgId: "org_1", type: "balance.depleted", balance: { balance: 5n, held: 5n } });
    expect(eventJson(depleted)).toMatchObject({ occurredAt: null, balance: { balance: 5, held: 5, available: 0, threshold: 0 } });
  });

  it("renders a job event as jobEventJson does", () => {
    const event = create(JobEventSchema, { id: "evt_1", sequence: 1n, jobId: full.id, type: "job.created", status: JobStatus.WAITING, job: full, attempt: 1 });
    expect(eventJson(event)).toEqual(jobEventJson(event));
  });
});
