/**
 * ReportWebhookAttempt through the real server and Postgres: what each
 * outcome does to the delivery (delivered, retried later, failed) and to the
 * endpoint (failure run, disabling after a run or on 410 Gone), and which
 * reports are ignored (stale attempt, repeated, settled, unknown).
 */
import { describe, expect, it } from "vitest";
import type { ClaimedWebhookDelivery } from "../../../../proto/gen/jobplane/v1/webhook_delivery_service_pb.js";
import { WebhookDeliveryStatus } from "../../../../proto/gen/jobplane/v1/webhook_pb.js";
import { until } from "../../../../test/support/until.js";
import { useWebhookApi, type WebhookApi } from "../../../../test/support/webhook-api.js";

const URL = "http://127.0.0.1:9/hook";
const RETRY_BASE_MS = 60_000;

/** An endpoint of a new org and `n` enqueued events for it; returns the org's client and the endpoint. */
async function endpointWithEvents(api: WebhookApi, n: number, events?: string[]) {
  const org = await api.org();
  const { endpoint } = await org.webhooks.createWebhookEndpoint({ url: URL, ...(events ? { events } : {}) });
  const batch = Array.from({ length: n }, () => api.event(org.orgId, "job.completed"));
  await api.gateway().enqueueWebhookEvents({ events: batch });
  return { ...org, endpoint: endpoint! };
}

async function claim(api: WebhookApi, leaseMs = 60_000): Promise<ClaimedWebhookDelivery[]> {
  return (await api.gateway().claimWebhookDeliveries({ max: 100, leaseMs })).deliveries;
}

async function report(api: WebhookApi, d: ClaimedWebhookDelivery, statusCode: number, error = ""): Promise<boolean> {
  const res = await api.gateway().reportWebhookAttempt({ deliveryId: d.deliveryId, attempt: d.attempt, statusCode, error, durationMs: 12 });
  return res.recorded;
}

async function endpointRow(api: WebhookApi, id: string) {
  const [row] = await api.db.orm.em
    .fork()
    .execute<{ active: boolean; consecutive_failures: number; disabled_reason: string | null }[]>(
      "select active, consecutive_failures, disabled_reason from webhook_endpoints where id = ?",
      [id],
    );
  return row;
}

/** Makes a delivery waiting for its retry due now (instead of waiting a minute). */
async function makeDue(api: WebhookApi, deliveryId: string): Promise<void> {
  await api.db.orm.em.fork().execute("update webhook_deliveries set next_at = now() where id = ?", [deliveryId]);
}

describe("ReportWebhookAttempt", () => {
  const api = useWebhookApi({ maxAttempts: 2, disableAfterFailures: 3, retryBaseMs: RETRY_BASE_MS, retryMaxMs: 3600_000 });

  it("marks a 2xx delivered, logs the attempt and ends the endpoint's failure run", async () => {
    const { endpoint, webhooks } = await endpointWithEvents(api, 1);
    await api.db.orm.em.fork().execute("update webhook_endpoints set consecutive_failures = 2 where id = ?", [endpoint.id]);
    const [d] = await claim(api);
    const recorded = await api.gateway().reportWebhookAttempt({
      deliveryId: d!.deliveryId,
      attempt: 1,
      statusCode: 204,
      durationMs: 35,
      responseExcerpt: "x".repeat(5000),
    });
    expect(recorded.recorded).toBe(true);
    const [listed] = (await webhooks.listWebhookDeliveries({ endpointId: endpoint.id })).deliveries;
    expect(listed).toMatchObject({ status: WebhookDeliveryStatus.DELIVERED, attempts: 1, lastStatusCode: 204, lastError: "" });
    expect(listed!.nextAttemptAt).toBeUndefined();
    expect(listed!.attemptLog).toHaveLength(1);
    expect(listed!.attemptLog[0]).toMatchObject({ attempt: 1, statusCode: 204, ok: true, error: "", durationMs: 35 });
    expect(listed!.attemptLog[0]!.responseExcerpt).toHaveLength(1024);
    expect(await endpointRow(api, endpoint.id)).toMatchObject({ active: true, consecutive_failures: 0 });
    expect(await claim(api)).toEqual([]);
  });

  it("retries a failure after the backoff, then fails the delivery when its attempts are used up", async () => {
    const { endpoint } = await endpointWithEvents(api, 1);
    const [first] = await claim(api);
    expect(await report(api, first!, 500)).toBe(true);
    const waiting = await api.deliveryRow(first!.deliveryId);
    expect(waiting).toMatchObject({ status: "pending", attempts: 1, last_status_code: 500, last_error: "HTTP 500" });
    // Jitter keeps the first wait within half to all of the base.
    expect(waiting.due_in_ms).toBeGreaterThan(RETRY_BASE_MS / 2 - 5000);
    expect(waiting.due_in_ms).toBeLessThanOrEqual(RETRY_BASE_MS);
    expect(await claim(api)).toEqual([]);
    expect(await endpointRow(api, endpoint.id)).toMatchObject({ consecutive_failures: 1, active: true });

    await makeDue(api, first!.deliveryId);
    const [second] = await claim(api);
    expect(second).toMatchObject({ deliveryId: first!.deliveryId, attempt: 2 });
    expect(await report(api, second!, 0, "connection refused")).toBe(true);
    expect(await api.deliveryRow(first!.deliveryId)).toMatchObject({
      status: "failed",
      attempts: 2,
      due_in_ms: null,
      last_status_code: 0,
      last_error: "connection refused",
    });
    expect(await endpointRow(api, endpoint.id)).toMatchObject({ consecutive_failures: 2, active: true });
  });

  it("disables the endpoint after the configured run of failures, and re-enabling clears it", async () => {
    const { endpoint, webhooks, orgId } = await endpointWithEvents(api, 3);
    const claimed = await claim(api);
    expect(claimed).toHaveLength(3);
    for (const d of claimed) expect(await report(api, d, 500)).toBe(true);
    const disabled = (await webhooks.getWebhookEndpoint({ id: endpoint.id })).endpoint!;
    expect(disabled).toMatchObject({
      active: false,
      consecutiveFailures: 3,
      disabledReason: "disabled after 3 consecutive failed attempts; last: HTTP 500",
    });
    // Its deliveries wait; so do new events (none are enqueued for an inactive endpoint).
    for (const d of claimed) await makeDue(api, d.deliveryId);
    expect(await claim(api)).toEqual([]);
    expect((await api.gateway().enqueueWebhookEvents({ events: [api.event(orgId, "job.completed")] })).deliveriesCreated).toBe(0);

    const enabled = (await webhooks.updateWebhookEndpoint({ id: endpoint.id, active: true })).endpoint!;
    expect(enabled).toMatchObject({ active: true, consecutiveFailures: 0, disabledReason: "" });
    expect((await claim(api)).map((d) => d.attempt)).toEqual([2, 2, 2]);
  });

  it("disables the endpoint at once on 410 Gone", async () => {
    const { endpoint, webhooks } = await endpointWithEvents(api, 2);
    const [gone, other] = await claim(api);
    expect(await report(api, gone!, 410)).toBe(true);
    expect((await webhooks.getWebhookEndpoint({ id: endpoint.id })).endpoint).toMatchObject({
      active: false,
      consecutiveFailures: 1,
      disabledReason: "the endpoint answered 410 Gone",
    });
    // An attempt already in flight still reports; the reason stays the first one.
    expect(await report(api, other!, 500)).toBe(true);
    expect(await endpointRow(api, endpoint.id)).toMatchObject({ consecutive_failures: 2, disabled_reason: "the endpoint answered 410 Gone" });
  });

  it("ignores stale, repeated, settled and unknown reports", async () => {
    const { endpoint } = await endpointWithEvents(api, 1);
    const [first] = await claim(api, 1000);
    expect(await report(api, { ...first!, attempt: 2 }, 200)).toBe(false);

    // The lease runs out and another gateway claims attempt 2: attempt 1's report is stale.
    const second = await until("re-claimed after the lease", Date.now() + 10_000, async () => (await claim(api))[0]);
    expect(second.attempt).toBe(2);
    expect(await report(api, first!, 200)).toBe(false);
    expect(await report(api, second, 500)).toBe(true);
    expect(await report(api, second, 500)).toBe(false);
    expect(await endpointRow(api, endpoint.id)).toMatchObject({ consecutive_failures: 1 });
    expect(await api.deliveryRow(second.deliveryId)).toMatchObject({ status: "failed", attempts: 2 });
    expect(await report(api, second, 200)).toBe(false);
    expect(await report(api, { ...second, deliveryId: "whd_000000000000000000000000" }, 200)).toBe(false);
  });
});
