import { create, toJsonString } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { JobEventSchema } from "../../../proto/gen/jobplane/v1/event_pb.js";
import { JobSchema, JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { jobJson } from "../rest/job-json.js";
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from "../../../proto/webhooks/event-types.js";
import { renderWebhookPayload, webhookPayload } from "./webhook-payload.js";

const T = 1_767_225_600_123;
const job = create(JobSchema, {
  id: "job_0123456789abcdef",
  orgId: "org_1",
  type: "test.echo",
  status: JobStatus.COMPLETE,
  params: { hello: "world" },
  output: { data: { echoed: true } },
  cost: { estimatedCredits: 5n, actualCredits: 3n },
  attempt: 1,
  createdAt: timestampFromMs(T - 1000),
  completedAt: timestampFromMs(T),
});

describe("webhookPayload", () => {
  it("carries a job event's type, ISO time and the job in its REST shape", () => {
    const event = create(JobEventSchema, {
      id: "evt_1",
      orgId: "org_1",
      jobId: job.id,
      type: "job.completed",
      status: JobStatus.COMPLETE,
      occurredAt: timestampFromMs(T),
      job,
    });
    const body = renderWebhookPayload(event, new Date(0));
    expect(JSON.parse(body)).toEqual({ type: "job.completed", timestamp: "2026-01-01T00:00:00.123Z", data: jobJson(job) });
    // Field order is part of the signed bytes' readability: type, timestamp, data.
    expect(body.startsWith('{"type":"job.completed","timestamp":"2026-01-01T00:00:00.123Z","data":{"id":"job_0123456789abcdef"')).toBe(true);
  });

  it("carries a balance event's credits as numbers", () => {
    const event = create(JobEventSchema, {
      id: "evt_2",
      orgId: "org_1",
      type: "balance.low",
      occurredAt: timestampFromMs(T),
      balance: { balance: 90n, held: 40n, available: 50n, threshold: 100n },
    });
    expect(webhookPayload(event, new Date(0))).toEqual({
      type: "balance.low",
      timestamp: "2026-01-01T00:00:00.123Z",
      data: { balance: 90, held: 40, available: 50, threshold: 100 },
    });
    const depleted = create(JobEventSchema, { id: "evt_3", orgId: "org_1", type: "balance.depleted", occurredAt: timestampFromMs(T) });
    expect(webhookPayload(depleted, new Date(0)).data).toEqual({ balance: 0, held: 0, available: 0, threshold: 0 });
  });

  it("uses the fallback time when the event has none, and null data without a job", () => {
    const event = create(JobEventSchema, { id: "evt_4", orgId: "org_1", type: "job.created" });
    expect(webhookPayload(event, new Date(T))).toEqual({ type: "job.created", timestamp: "2026-01-01T00:00:00.123Z", data: null });
  });

  it("renders what a JobEvent read back from the stream renders", () => {
    const event = create(JobEventSchema, { id: "evt_5", orgId: "org_1", type: "job.started", occurredAt: timestampFromMs(T), job });
    const wire = toJsonString(JobEventSchema, event);
    expect(wire).toContain('"occurredAt"');
    expect(renderWebhookPayload(event, new Date(0))).toBe(renderWebhookPayload(create(JobEventSchema, event), new Date(0)));
  });
});

describe("isWebhookEventType", () => {
  it("accepts the deliverable types only", () => {
    expect(WEBHOOK_EVENT_TYPES.every(isWebhookEventType)).toBe(true);
    expect(["job.retried", "job.cancel_requested", "webhook.test", ""].some(isWebhookEventType)).toBe(false);
  });
});
