/**
 * The gateways' durable "webhooks" consumer on JOBPLANE_EVENTS: made with the
 * streams, idempotent, and holding events published while no gateway reads.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { afterEach, describe, expect, it } from "vitest";
import { createTestNats, type TestNats } from "../../../../test/support/test-nats.js";
import { ensureStreams } from "./streams.js";
import { ensureWebhookConsumer } from "./webhook-consumer.js";

describe("the webhook consumer", () => {
  let nats: TestNats | undefined;
  afterEach(async () => {
    await nats?.cleanup();
    nats = undefined;
  });

  it("is created with the streams: explicit ack, every message, 30 s ack wait, no delivery limit", async () => {
    nats = await createTestNats();
    const jsm = await jetstreamManager(nats.nc);
    await ensureStreams(jsm, nats.names);
    const info = await jsm.consumers.info(nats.names.eventsStream, nats.names.webhookConsumer);
    expect(info.config).toMatchObject({
      durable_name: "webhooks",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      max_ack_pending: 10_000,
      max_deliver: -1,
    });
    expect(info.config.filter_subject ?? "").toBe("");
  });

  it("is harmless to ensure again, and keeps the events published while no gateway read", async () => {
    nats = await createTestNats();
    const jsm = await jetstreamManager(nats.nc);
    await ensureStreams(jsm, nats.names);
    const first = await jsm.consumers.info(nats.names.eventsStream, nats.names.webhookConsumer);
    await jetstream(nats.nc).publish(nats.names.eventSubject("org_1", "job_1"), "{}");

    await ensureStreams(jsm, nats.names);
    const again = await ensureWebhookConsumer(jsm, nats.names);
    expect(again.created).toBe(first.created);
    expect(again.config).toEqual(first.config);
    // Still where it was: the event waits for the first gateway.
    expect(again.num_pending).toBe(1);
  });

  it("restores a setting changed behind its back, keeping its position", async () => {
    nats = await createTestNats();
    const jsm = await jetstreamManager(nats.nc);
    await ensureStreams(jsm, nats.names);
    await jetstream(nats.nc).publish(nats.names.eventSubject("org_1", "job_1"), "{}");
    await jsm.consumers.update(nats.names.eventsStream, nats.names.webhookConsumer, { ack_wait: nanos(5_000) });
    const restored = await ensureWebhookConsumer(jsm, nats.names);
    expect(restored.config.ack_wait).toBe(nanos(30_000));
    expect(restored.num_pending).toBe(1);
  });
});
