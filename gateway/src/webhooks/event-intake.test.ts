import { create, toJsonString } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { JobEventSchema } from "../../../proto/gen/jobplane/v1/event_pb.js";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { decodeEvent, webhookEventOf } from "./event-intake.js";

const T = 1_767_225_600_000;
const bytes = (s: string) => new TextEncoder().encode(s);

describe("decodeEvent", () => {
  it("reads canonical Protobuf JSON, ignoring fields it does not know", () => {
    const event = create(JobEventSchema, { id: "evt_1", orgId: "org_1", jobId: "job_1", type: "job.created", status: JobStatus.WAITING, sequence: 7n });
    const json = JSON.parse(toJsonString(JobEventSchema, event)) as Record<string, unknown>;
    const decoded = decodeEvent(bytes(JSON.stringify({ ...json, addedLater: { x: 1 } })));
    expect("event" in decoded && decoded.event.id).toBe("evt_1");
    expect("event" in decoded && decoded.event.sequence).toBe(7n);
  });

  it("refuses what is not a usable JobEvent", () => {
    expect(decodeEvent(bytes("not json"))).toHaveProperty("error");
    expect(decodeEvent(new Uint8Array([0xff, 0xfe]))).toHaveProperty("error");
    expect(decodeEvent(bytes('{"id": 5}'))).toHaveProperty("error");
    expect(decodeEvent(bytes('{"id": "evt_1", "type": "job.created"}'))).toEqual({ error: "a JobEvent needs id, orgId and type" });
  });
});

describe("webhookEventOf", () => {
  it("names the event, its org and type, renders the body and keeps when it happened", () => {
    const event = create(JobEventSchema, { id: "evt_1", orgId: "org_1", type: "balance.depleted", occurredAt: timestampFromMs(T) });
    const w = webhookEventOf(event, new Date(T + 5));
    expect([w.eventId, w.orgId, w.eventType]).toEqual(["evt_1", "org_1", "balance.depleted"]);
    expect(JSON.parse(w.payload)).toMatchObject({ type: "balance.depleted", timestamp: new Date(T).toISOString() });
    expect(timestampMs(w.occurredAt!)).toBe(T);
    const undated = webhookEventOf(create(JobEventSchema, { id: "evt_2", orgId: "org_1", type: "job.created" }), new Date(T + 5));
    expect(timestampMs(undated.occurredAt!)).toBe(T + 5);
  });
});
