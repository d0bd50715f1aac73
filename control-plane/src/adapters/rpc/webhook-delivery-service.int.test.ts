/**
 * WebhookDeliveryService (the gateways' side) through the real server and
 * Postgres: the admin token, enqueue's idempotency and matching, claim
 * leases, and racing claimers. Reports are in webhook-attempt-reports.int.test.ts.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { jetstreamManager } from "@nats-io/jetstream";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { WebhookDeliveryService } from "../../../../proto/gen/jobplane/v1/webhook_delivery_service_pb.js";
import { errorCodeOf, rejection } from "../../../../test/support/job-api.js";
import { until } from "../../../../test/support/until.js";
import { useWebhookApi } from "../../../../test/support/webhook-api.js";

const URL = "http://127.0.0.1:9/hook";

describe("WebhookDeliveryService", () => {
  const api = useWebhookApi({ maxAttempts: 5 });

  it("takes only the admin token", async () => {
    const { key } = await api.org();
    for (const bearer of [undefined, key, "wrong-token"]) {
      const client = api.cp.client(WebhookDeliveryService, bearer);
      expect(await errorCodeOf(client.claimWebhookDeliveries({ max: 1, leaseMs: 1000 }))).toBe(ErrorCode.UNAUTHORIZED);
      expect(await errorCodeOf(client.enqueueWebhookEvents({ events: [] }))).toBe(ErrorCode.UNAUTHORIZED);
      expect(await errorCodeOf(client.reportWebhookAttempt({ deliveryId: "whd_0", attempt: 1 }))).toBe(ErrorCode.UNAUTHORIZED);
    }
  });

  it("enqueues one delivery per event and subscribed active endpoint, however often the event comes", async () => {
    const { orgId, webhooks } = await api.org();
    const other = await api.org();
    const all = (await webhooks.createWebhookEndpoint({ url: URL })).endpoint!;
    const progress = (await webhooks.createWebhookEndpoint({ url: URL, events: ["job.progress"] })).endpoint!;
    const inactive = (await webhooks.createWebhookEndpoint({ url: URL })).endpoint!;
    await webhooks.updateWebhookEndpoint({ id: inactive.id, active: false });
    await other.webhooks.createWebhookEndpoint({ url: URL });
    const gateway = api.gateway();

    const created = api.event(orgId, "job.created");
    const moving = api.event(orgId, "job.progress");
    expect((await gateway.enqueueWebhookEvents({ events: [created, moving] })).deliveriesCreated).toBe(2);
    // The same events again (a gateway restarted before acking), alone and in one batch twice: nothing new.
    expect((await gateway.enqueueWebhookEvents({ events: [created] })).deliveriesCreated).toBe(0);
    expect((await gateway.enqueueWebhookEvents({ events: [created, moving, created] })).deliveriesCreated).toBe(0);

    const listed = async (id: string) => (await webhooks.listWebhookDeliveries({ endpointId: id })).deliveries.map((d) => d.eventId);
    expect(await listed(all.id)).toEqual([created.eventId]);
    expect(await listed(progress.id)).toEqual([moving.eventId]);
    expect(await listed(inactive.id)).toEqual([]);
    const [delivery] = (await webhooks.listWebhookDeliveries({ endpointId: all.id })).deliveries;
    expect(delivery).toMatchObject({ eventType: "job.created", attempts: 0, payload: created.payload });
    expect(delivery!.id).toMatch(/^whd_[0-9a-f]{24}$/);
    expect((await api.deliveryRow(delivery!.id)).max_attempts).toBe(5);
  });

  it("skips endpoints created after the event happened", async () => {
    const { orgId, webhooks } = await api.org();
    const { endpoint } = await webhooks.createWebhookEndpoint({ url: URL });
    const old = { ...api.event(orgId, "job.failed"), occurredAt: timestampFromDate(new Date(Date.now() - 3600_000)) };
    const fresh = { ...api.event(orgId, "job.failed"), occurredAt: timestampFromDate(new Date(Date.now() + 1000)) };
    expect((await api.gateway().enqueueWebhookEvents({ events: [old, fresh] })).deliveriesCreated).toBe(1);
    expect((await webhooks.listWebhookDeliveries({ endpointId: endpoint!.id })).deliveries.map((d) => d.eventId)).toEqual([fresh.eventId]);
  });

  it("refuses a malformed batch whole, with paths", async () => {
    const { orgId } = await api.org();
    const gateway = api.gateway();
    const good = api.event(orgId, "job.created");
    const { detail } = await rejection(
      gateway.enqueueWebhookEvents({ events: [good, { ...good, eventId: "" }, { ...good, payload: "{nope" }] }),
    );
    expect(detail.violations.map((v) => v.path)).toEqual(["/events/1/eventId", "/events/2/payload"]);
    const tooMany = Array.from({ length: 1001 }, () => good);
    expect((await rejection(gateway.enqueueWebhookEvents({ events: tooMany }))).detail.violations[0]?.path).toBe("/events");
    const claims = [{ max: 0, leaseMs: 1000 }, { max: 101, leaseMs: 1000 }, { max: 1, leaseMs: 999 }, { max: 1, leaseMs: 600_001 }];
    for (const c of claims) expect(await errorCodeOf(gateway.claimWebhookDeliveries(c))).toBe(ErrorCode.VALIDATION_ERROR);
  });

  it("leases a claimed delivery: not claimable again until the lease runs out, then attempt 2", async () => {
    const { orgId, webhooks } = await api.org();
    const { endpoint, secret } = await webhooks.createWebhookEndpoint({ url: URL });
    const gateway = api.gateway();
    const event = api.event(orgId, "job.completed");
    await gateway.enqueueWebhookEvents({ events: [event] });

    const [first, ...more] = (await gateway.claimWebhookDeliveries({ max: 10, leaseMs: 1000 })).deliveries;
    expect(more).toEqual([]);
    expect(first).toMatchObject({ endpointId: endpoint!.id, url: URL, attempt: 1, payload: event.payload, webhookId: event.eventId });
    expect(Number(first!.webhookTimestamp)).toBeCloseTo(Date.now() / 1000, -1);
    const headers = { "webhook-id": first!.webhookId, "webhook-timestamp": first!.webhookTimestamp, "webhook-signature": first!.webhookSignature };
    expect(new Webhook(secret).verify(first!.payload, headers)).toEqual(JSON.parse(event.payload));

    expect((await gateway.claimWebhookDeliveries({ max: 10, leaseMs: 1000 })).deliveries).toEqual([]);
    const again = await until("the lease runs out", Date.now() + 10_000, async () => {
      const [d] = (await gateway.claimWebhookDeliveries({ max: 10, leaseMs: 60_000 })).deliveries;
      return d;
    });
    expect(again).toMatchObject({ deliveryId: first!.deliveryId, attempt: 2, webhookId: event.eventId });
    expect(await api.deliveryRow(first!.deliveryId)).toMatchObject({ status: "pending", attempts: 2 });
  });

  it("fails a delivery whose last attempt was never reported, instead of claiming it past its budget", async () => {
    const { orgId, webhooks } = await api.org();
    await webhooks.createWebhookEndpoint({ url: URL });
    const gateway = api.gateway();
    await gateway.enqueueWebhookEvents({ events: [api.event(orgId, "job.completed")] });
    await api.db.orm.em.fork().execute("update webhook_deliveries set max_attempts = 1");

    const [only] = (await gateway.claimWebhookDeliveries({ max: 10, leaseMs: 1000 })).deliveries;
    expect(only!.attempt).toBe(1);
    // Its gateway dies: no report. Once the lease runs out a claim settles it as failed and returns nothing.
    const row = await until("the lost attempt is settled", Date.now() + 10_000, async () => {
      expect((await gateway.claimWebhookDeliveries({ max: 10, leaseMs: 1000 })).deliveries).toEqual([]);
      const r = await api.deliveryRow(only!.deliveryId);
      return r.status === "failed" ? r : undefined;
    });
    expect(row).toMatchObject({ attempts: 1, last_error: expect.stringMatching(/no report of the last attempt/) });
  });

  it("never gives one delivery to two racing claimers", async () => {
    const { orgId, webhooks } = await api.org();
    await webhooks.createWebhookEndpoint({ url: URL });
    const gateway = api.gateway();
    const events = Array.from({ length: 60 }, () => api.event(orgId, "job.created"));
    expect((await gateway.enqueueWebhookEvents({ events })).deliveriesCreated).toBe(60);

    const batches = await Promise.all(Array.from({ length: 8 }, () => gateway.claimWebhookDeliveries({ max: 10, leaseMs: 60_000 })));
    const claimed = batches.flatMap((b) => b.deliveries.map((d) => d.deliveryId));
    expect(new Set(claimed).size).toBe(claimed.length);
    const rest = (await gateway.claimWebhookDeliveries({ max: 100, leaseMs: 60_000 })).deliveries.map((d) => d.deliveryId);
    expect(new Set([...claimed, ...rest]).size).toBe(60);
    expect(claimed.length + rest.length).toBe(60);
  });

  it("has the gateways' durable consumer on the events stream once started", async () => {
    const jsm = await jetstreamManager(api.cp.nats.nc);
    const info = await jsm.consumers.info(api.cp.nats.names.eventsStream, api.cp.nats.names.webhookConsumer);
    expect(info.config.durable_name).toBe("webhooks");
  });
});
