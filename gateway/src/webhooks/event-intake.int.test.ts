import { create, toJsonString } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { headers, nanos } from "@nats-io/transport-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JobEventSchema, type JobEvent } from "../../../proto/gen/jobplane/v1/event_pb.js";
import { JobSchema, JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { WebhookEvent } from "../../../proto/gen/jobplane/v1/webhook_delivery_service_pb.js";
import { EVENT_TYPE_HEADER } from "../../../proto/nats/names.js";
import { captureLogger } from "../../../test/support/capture-logger.js";
import { createTestNats, type TestNats } from "../../../test/support/test-nats.js";
import { until } from "../../../test/support/until.js";
import { createGatewayMetrics } from "../ops/metrics.js";
import { createEventIntake, type EnqueueEvents, type EventIntake } from "./event-intake.js";

let nats: TestNats;
let jsm: JetStreamManager;
const intakes: EventIntake[] = [];

beforeEach(async () => {
  nats = await createTestNats();
  jsm = await jetstreamManager(nats.nc);
  await jsm.streams.add({ name: nats.names.eventsStream, subjects: [nats.names.eventSubjects] });
});

afterEach(async () => {
  await Promise.all(intakes.splice(0).map((i) => i.stop(1000)));
  await nats.cleanup();
});

/** The consumer as the control plane creates it. */
async function createConsumer(): Promise<void> {
  await jsm.consumers.add(nats.names.eventsStream, {
    durable_name: nats.names.webhookConsumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: nats.names.eventSubjects,
    ack_wait: nanos(30_000),
    max_deliver: -1,
  });
}

let n = 0;
function jobEvent(type: string, orgId = "org_1"): JobEvent {
  const id = `evt_${(++n).toString(16).padStart(8, "0")}`;
  if (type.startsWith("balance.")) {
    return create(JobEventSchema, { id, orgId, type, occurredAt: timestampFromMs(1_767_225_600_000), balance: { balance: 5n, available: 5n } });
  }
  const job = create(JobSchema, { id: `job_${id.slice(4)}00000000`, orgId, type: "test.echo", status: JobStatus.WAITING, attempt: 1 });
  return create(JobEventSchema, { id, orgId, jobId: job.id, type, status: job.status, occurredAt: timestampFromMs(1_767_225_600_000), job, attempt: 1 });
}

async function publish(event: JobEvent, body?: string): Promise<void> {
  const h = headers();
  h.set(EVENT_TYPE_HEADER, event.type);
  await jetstream(nats.nc).publish(nats.names.eventSubject(event.orgId, event.jobId || "org"), body ?? toJsonString(JobEventSchema, event), {
    headers: h,
    msgID: event.id,
  });
}

interface Started {
  readonly enqueued: WebhookEvent[][];
  readonly log: ReturnType<typeof captureLogger>;
  readonly metrics: ReturnType<typeof createGatewayMetrics>["webhooks"];
  wakes: number;
}

function start(enqueue?: (events: WebhookEvent[], call: number) => Promise<number>, batchMax?: number): Started {
  const s: Started = { enqueued: [], log: captureLogger(), metrics: createGatewayMetrics().webhooks, wakes: 0 };
  const fn: EnqueueEvents = (events) => {
    s.enqueued.push(events);
    return enqueue ? enqueue(events, s.enqueued.length) : Promise.resolve(events.length);
  };
  const intake = createEventIntake({
    js: jetstream(nats.nc),
    names: nats.names,
    enqueue: fn,
    onDeliveriesCreated: () => s.wakes++,
    log: s.log.logger,
    metrics: s.metrics,
    retryBaseMs: 50,
    retryMaxMs: 200,
    random: () => 1,
    ...(batchMax ? { batchMax } : {}),
  });
  intakes.push(intake);
  intake.start();
  return s;
}

/** Resolves once the consumer has every message of the stream acked (or terminated) and nothing pending. */
async function allSettled(): Promise<void> {
  await until("every event acked", Date.now() + 15_000, async () => {
    const [stream, consumer] = await Promise.all([
      jsm.streams.info(nats.names.eventsStream),
      jsm.consumers.info(nats.names.eventsStream, nats.names.webhookConsumer),
    ]);
    const done = consumer.num_pending === 0 && consumer.num_ack_pending === 0 && consumer.ack_floor.stream_seq === stream.state.last_seq;
    return done ? true : undefined;
  });
}

describe("the webhook intake", () => {
  it("enqueues deliverable events with their rendered bodies, skips the rest, drops the undecodable", async () => {
    await createConsumer();
    const created = jobEvent("job.created");
    const low = jobEvent("balance.low", "org_2");
    await publish(created);
    await publish(jobEvent("job.retried"));
    await publish(jobEvent("job.completed"), "{not json");
    await publish(low);
    const s = start();
    await until("two events enqueued", Date.now() + 15_000, async () => (s.enqueued.flat().length === 2 ? true : undefined));
    await allSettled();

    const events = s.enqueued.flat();
    expect(events.map((e) => [e.eventId, e.orgId, e.eventType])).toEqual([
      [created.id, "org_1", "job.created"],
      [low.id, "org_2", "balance.low"],
    ]);
    expect(JSON.parse(events[0]!.payload)).toMatchObject({ type: "job.created", timestamp: "2026-01-01T00:00:00.000Z", data: { id: created.jobId } });
    expect(JSON.parse(events[1]!.payload)).toEqual({
      type: "balance.low",
      timestamp: "2026-01-01T00:00:00.000Z",
      data: { balance: 5, held: 0, available: 5, threshold: 0 },
    });
    expect(s.wakes).toBeGreaterThan(0);
    expect((await s.log.waitFor("undecodable event dropped")).streamSeq).toBe(3);
    const outcomes = Object.fromEntries((await s.metrics.events.get()).values.map((v) => [v.labels.outcome, v.value]));
    expect(outcomes).toEqual({ enqueued: 2, skipped: 1, undecodable: 1 });
  });

  it("naks the batch when the enqueue fails, and enqueues it when it comes back", async () => {
    await createConsumer();
    const s = start((events, call) => (call === 1 ? Promise.reject(new Error("control plane unavailable")) : Promise.resolve(events.length)));
    const event = jobEvent("job.failed");
    await publish(event);
    await until("enqueued on the retry", Date.now() + 15_000, async () => (s.enqueued.length >= 2 ? true : undefined));
    await allSettled();
    expect(s.enqueued.map((batch) => batch.map((e) => e.eventId))).toEqual([[event.id], [event.id]]);
    expect((await s.log.waitFor("enqueue failed")).err).toBe("control plane unavailable");
  });

  it("does not wake the delivery loop when no delivery was created", async () => {
    await createConsumer();
    const s = start(() => Promise.resolve(0));
    await publish(jobEvent("job.started"));
    await until("enqueued", Date.now() + 15_000, async () => (s.enqueued.length === 1 ? true : undefined));
    await allSettled();
    expect(s.wakes).toBe(0);
  });

  it("sends a backlog in batches of at most batchMax", async () => {
    await createConsumer();
    const published = new Set<string>();
    await Promise.all(
      Array.from({ length: 250 }, async () => {
        const e = jobEvent("job.progress");
        published.add(e.id);
        await publish(e);
      }),
    );
    const s = start(undefined, 100);
    await until("all enqueued", Date.now() + 20_000, async () => (new Set(s.enqueued.flat().map((e) => e.eventId)).size === 250 ? true : undefined));
    await allSettled();
    expect(Math.max(...s.enqueued.map((b) => b.length))).toBeLessThanOrEqual(100);
    expect(s.enqueued.length).toBeGreaterThanOrEqual(3);
    expect(new Set(s.enqueued.flat().map((e) => e.eventId))).toEqual(published);
  });

  it("waits for the consumer the control plane creates, then reads", async () => {
    const s = start();
    await s.log.waitFor("cannot read the events consumer");
    const event = jobEvent("job.cancelled");
    await publish(event);
    await createConsumer();
    await until("enqueued once bound", Date.now() + 15_000, async () => (s.enqueued.length === 1 ? true : undefined));
    expect(s.enqueued[0]!.map((e) => e.eventId)).toEqual([event.id]);
    await allSettled();
  });
});
