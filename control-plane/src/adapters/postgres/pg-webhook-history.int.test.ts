/**
 * Webhook history pruning on the real database: settled deliveries past the
 * retention go with their attempt logs; pending ones and recent ones stay.
 */
import { describe, expect, it } from "vitest";
import { useWebhookApi } from "../../../../test/support/webhook-api.js";
import { pruneWebhookHistory } from "../../app/webhook-history.js";
import { createPgWebhookHistory } from "./pg-webhook-history.js";

describe("webhook history retention", () => {
  const api = useWebhookApi({ maxAttempts: 1 });

  it("deletes settled deliveries older than the retention with their attempts, and keeps pending and recent ones", async () => {
    const { orgId, webhooks } = await api.org();
    await webhooks.createWebhookEndpoint({ url: "http://127.0.0.1:9/hook" });
    const gateway = api.gateway();
    const events = ["job.created", "job.started", "job.completed", "job.failed"].map((t) => api.event(orgId, t));
    await gateway.enqueueWebhookEvents({ events: events.slice(0, 3) });
    const claimed = (await gateway.claimWebhookDeliveries({ max: 10, leaseMs: 60_000 })).deliveries;
    expect(claimed).toHaveLength(3);
    const [delivered, failed, pending] = claimed;
    await gateway.reportWebhookAttempt({ deliveryId: delivered!.deliveryId, attempt: 1, statusCode: 200, durationMs: 5 });
    await gateway.reportWebhookAttempt({ deliveryId: failed!.deliveryId, attempt: 1, statusCode: 500, durationMs: 5 });
    expect(await api.deliveryRow(failed!.deliveryId)).toMatchObject({ status: "failed" });
    const em = api.db.orm.em.fork();
    // Everything so far is 40 days old; one more delivery settles today.
    await em.execute("update webhook_deliveries set updated_at = now() - interval '40 days'");
    await gateway.enqueueWebhookEvents({ events: [events[3]!] });
    const [recent] = (await gateway.claimWebhookDeliveries({ max: 10, leaseMs: 60_000 })).deliveries;
    await gateway.reportWebhookAttempt({ deliveryId: recent!.deliveryId, attempt: 1, statusCode: 200, durationMs: 5 });

    const deleted = await pruneWebhookHistory(createPgWebhookHistory(api.db.orm), new Date(), { retentionDays: 30, batchSize: 1 });
    expect(deleted).toBe(2);
    const left = await em.execute<{ id: string }[]>("select id from webhook_deliveries order by id");
    expect(left.map((r) => r.id).sort()).toEqual([pending!.deliveryId, recent!.deliveryId].sort());
    const attempts = await em.execute<{ delivery_id: string }[]>("select delivery_id from webhook_delivery_attempts");
    expect(attempts.map((a) => a.delivery_id)).toEqual([recent!.deliveryId]);
  });
});
