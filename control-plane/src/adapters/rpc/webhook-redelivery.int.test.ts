/**
 * Rotation, redelivery and test events through the real server and
 * Postgres: both secrets sign (and verify with standardwebhooks) during the
 * rotation window and only the new one after it; RedeliverWebhook grants a
 * settled delivery one more attempt under the same webhook-id; a
 * webhook.test goes to an inactive endpoint and never touches its failure run.
 */
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import type { ClaimedWebhookDelivery } from "../../../../proto/gen/jobplane/v1/webhook_delivery_service_pb.js";
import { WebhookDeliveryStatus } from "../../../../proto/gen/jobplane/v1/webhook_pb.js";
import { useWebhookApi, type WebhookApi } from "../../../../test/support/webhook-api.js";

const URL = "http://127.0.0.1:9/hook";

async function claimOne(api: WebhookApi): Promise<ClaimedWebhookDelivery> {
  const [d, ...more] = (await api.gateway().claimWebhookDeliveries({ max: 10, leaseMs: 60_000 })).deliveries;
  expect(more).toEqual([]);
  if (d === undefined) throw new Error("nothing to claim");
  return d;
}

async function report(api: WebhookApi, d: ClaimedWebhookDelivery, statusCode: number): Promise<void> {
  const { recorded } = await api.gateway().reportWebhookAttempt({ deliveryId: d.deliveryId, attempt: d.attempt, statusCode });
  expect(recorded).toBe(true);
}

/** Whether `secret` verifies the claimed POST, as a receiver would check it. */
function verifies(d: ClaimedWebhookDelivery, secret: string): boolean {
  const headers = { "webhook-id": d.webhookId, "webhook-timestamp": d.webhookTimestamp, "webhook-signature": d.webhookSignature };
  try {
    new Webhook(secret).verify(d.payload, headers);
    return true;
  } catch {
    return false;
  }
}

describe("webhook rotation, redelivery and test events", () => {
  const api = useWebhookApi({ maxAttempts: 1 });

  it("signs with both secrets during the rotation window, and with the new one only after it", async () => {
    const { orgId, webhooks } = await api.org();
    const created = await webhooks.createWebhookEndpoint({ url: URL });
    const id = created.endpoint!.id;
    const rotated = await webhooks.rotateWebhookSecret({ id, previousSecretValidSeconds: 3600 });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const expires = timestampMs(rotated.endpoint!.previousSecretExpiresAt!);
    expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(10_000);

    await api.gateway().enqueueWebhookEvents({ events: [api.event(orgId, "job.completed")] });
    const during = await claimOne(api);
    expect(during.webhookSignature.split(" ")).toHaveLength(2);
    expect(verifies(during, rotated.secret)).toBe(true);
    expect(verifies(during, created.secret)).toBe(true);

    // The window passes.
    await api.db.orm.em.fork().execute("update webhook_endpoints set previous_secret_expires_at = now() - interval '1 second' where id = ?", [id]);
    await webhooks.redeliverWebhook({ deliveryId: during.deliveryId });
    const after = await claimOne(api);
    expect(after.webhookSignature.split(" ")).toHaveLength(1);
    expect(verifies(after, rotated.secret)).toBe(true);
    expect(verifies(after, created.secret)).toBe(false);
    expect((await webhooks.getWebhookEndpoint({ id })).endpoint!.previousSecretExpiresAt).toBeUndefined();

    // The default window is a day.
    const again = await webhooks.rotateWebhookSecret({ id });
    expect(Math.abs(timestampMs(again.endpoint!.previousSecretExpiresAt!) - (Date.now() + 86_400_000))).toBeLessThan(10_000);
  });

  it("redelivers a failed or delivered delivery: one more attempt, the same webhook-id", async () => {
    const { orgId, webhooks } = await api.org();
    const { endpoint } = await webhooks.createWebhookEndpoint({ url: URL });
    const event = api.event(orgId, "job.failed");
    await api.gateway().enqueueWebhookEvents({ events: [event] });
    const first = await claimOne(api);
    await report(api, first, 503);
    expect(await api.deliveryRow(first.deliveryId)).toMatchObject({ status: "failed", attempts: 1, max_attempts: 1 });

    const again = (await webhooks.redeliverWebhook({ deliveryId: first.deliveryId })).delivery!;
    expect(again).toMatchObject({ id: first.deliveryId, status: WebhookDeliveryStatus.PENDING, attempts: 1, lastStatusCode: 503 });
    expect(again.nextAttemptAt).toBeDefined();
    expect(again.attemptLog.map((a) => [a.attempt, a.statusCode])).toEqual([[1, 503]]);
    expect(await api.deliveryRow(first.deliveryId)).toMatchObject({ max_attempts: 2 });
    const second = await claimOne(api);
    expect(second).toMatchObject({ deliveryId: first.deliveryId, attempt: 2, webhookId: event.eventId, payload: event.payload });
    await report(api, second, 200);

    await webhooks.redeliverWebhook({ deliveryId: first.deliveryId });
    const third = await claimOne(api);
    expect(third).toMatchObject({ attempt: 3, webhookId: event.eventId });
    await report(api, third, 200);
    const [listed] = (await webhooks.listWebhookDeliveries({ endpointId: endpoint!.id })).deliveries;
    expect(listed!.attemptLog.map((a) => [a.attempt, a.ok])).toEqual([
      [1, false],
      [2, true],
      [3, true],
    ]);
  });

  it("sends a test event to an inactive endpoint without touching its failure run", async () => {
    const { webhooks } = await api.org();
    const { endpoint } = await webhooks.createWebhookEndpoint({ url: URL });
    const id = endpoint!.id;
    await webhooks.updateWebhookEndpoint({ id, active: false });
    await api.db.orm.em.fork().execute("update webhook_endpoints set consecutive_failures = 2 where id = ?", [id]);

    const test = (await webhooks.sendTestWebhook({ endpointId: id })).delivery!;
    expect(test).toMatchObject({ endpointId: id, eventType: "webhook.test", status: WebhookDeliveryStatus.PENDING, attempts: 0 });
    expect(test.eventId).toMatch(/^evt_[0-9a-f]{24}$/);
    expect(JSON.parse(test.payload)).toMatchObject({ type: "webhook.test", data: { endpointId: id } });

    const failing = await claimOne(api);
    expect(failing).toMatchObject({ deliveryId: test.id, webhookId: test.eventId, payload: test.payload });
    await report(api, failing, 410);
    const untouched = { active: false, consecutiveFailures: 2, disabledReason: "disabled by the user" };
    expect((await webhooks.getWebhookEndpoint({ id })).endpoint).toMatchObject(untouched);

    await webhooks.redeliverWebhook({ deliveryId: test.id });
    await report(api, await claimOne(api), 200);
    expect((await webhooks.getWebhookEndpoint({ id })).endpoint).toMatchObject(untouched);
    expect(await api.deliveryRow(test.id)).toMatchObject({ status: "delivered", attempts: 2 });
  });
});
