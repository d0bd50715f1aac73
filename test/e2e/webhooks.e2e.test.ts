/**
 * Issue 5 end to end, webhook side, with real processes (control plane,
 * agent, gateway) and a real receiver that checks every delivery with the
 * `standardwebhooks` library, as a user's server would:
 *   - a job's job.created … job.completed arrive signed, one webhook-id per event;
 *   - a receiver that fails 3 times gets the event on the 4th attempt;
 *   - a gateway killed (SIGKILL) mid-delivery loses nothing: after restart the
 *     stuck delivery is sent again under the same webhook-id, and every event
 *     that happened while no gateway ran arrives too;
 *   - secret rotation signs with both secrets for the window; 410 Gone disables
 *     the endpoint and says so; test events, redelivery and every error code.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startGatewayStack, until, type GatewayStack } from "../support/gateway-stack.js";
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from "../support/webhook-receiver.js";

let stack: GatewayStack;
let receiver: WebhookReceiver;
beforeAll(async () => {
  stack = await startGatewayStack({
    gatewayEnv: { GATEWAY_WEBHOOK_TIMEOUT_MS: "2000", GATEWAY_WEBHOOK_LEASE_MS: "3000" },
  });
  await stack.startAgent();
}, 90_000);
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  await receiver?.close();
});

const deadline = (ms = 30_000) => Date.now() + ms;

async function createEndpoint(url: string, events?: string[]): Promise<{ id: string; secret: string }> {
  const res = await stack.api("POST", "/webhooks/endpoints", { body: { url, description: "e2e", ...(events ? { events } : {}) } });
  expect(res.status).toBe(201);
  expect(res.body.data.secret).toMatch(/^whsec_/);
  return { id: res.body.data.id, secret: res.body.data.secret };
}

async function submit(type: string, params: object): Promise<string> {
  const res = await stack.api("POST", "/jobs", { body: { type, params } });
  expect(res.status).toBe(201);
  return res.body.data.id;
}

async function deliveries(endpointId: string): Promise<any[]> {
  return (await stack.api("GET", `/webhooks/endpoints/${endpointId}/deliveries?limit=100`)).body.data;
}

const forJob = (jobId: string, type: string) => (r: ReceivedWebhook) => r.type === type && r.json?.data?.id === jobId;

describe("webhook delivery", () => {
  it("delivers a job's job.created … job.completed, each verified with standardwebhooks", async () => {
    receiver = await startWebhookReceiver();
    const endpoint = await createEndpoint(receiver.url);
    const jobId = await submit("test.echo", { hello: "webhooks" });
    await receiver.waitFor("job.completed delivered", forJob(jobId, "job.completed"));

    const mine = receiver.received.filter((r) => r.json?.data?.id === jobId);
    for (const r of mine) expect(() => receiver.verify(r, endpoint.secret)).not.toThrow();
    expect(mine.map((r) => r.type)).toEqual(expect.arrayContaining(["job.created", "job.dispatched", "job.started", "job.completed"]));
    expect(mine.some((r) => r.type === "job.progress")).toBe(false); // opt-in only
    expect(new Set(mine.map((r) => r.webhookId)).size).toBe(mine.length);
    const completed = mine.find((r) => r.type === "job.completed")!;
    expect(completed.json).toMatchObject({ type: "job.completed", data: { id: jobId, status: "complete", output: { data: { hello: "webhooks" } } } });
    expect(Date.parse(completed.json.timestamp)).toBeGreaterThan(0);
    expect(completed.headers["content-type"]).toMatch(/^application\/json/);

    // A wrong secret does not verify: the signature is real, not decoration.
    expect(() => receiver.verify(completed, `whsec_${Buffer.alloc(32, 7).toString("base64")}`)).toThrow();

    const log = await until("deliveries recorded", deadline(), async () => {
      const list = await deliveries(endpoint.id);
      return list.filter((d) => d.payload?.data?.id === jobId).every((d) => d.status === "delivered") && list.length >= 4 ? list : undefined;
    });
    const done = log.find((d) => d.eventType === "job.completed" && d.payload.data.id === jobId);
    expect(done).toMatchObject({ status: "delivered", attempts: 1, lastStatusCode: 200, eventId: completed.webhookId });
    expect(done.attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, ok: true })]);
    await stack.api("DELETE", `/webhooks/endpoints/${endpoint.id}`);
  });

  it("retries a failing receiver with backoff: 3 failures, then the 4th attempt delivers", async () => {
    receiver = await startWebhookReceiver();
    const endpoint = await createEndpoint(receiver.url, ["job.completed"]);
    const jobId = await submit("test.echo", { retry: true });
    let failures = 0;
    receiver.answer = (r) => (forJob(jobId, "job.completed")(r) && ++failures <= 3 ? 500 : 200);

    const mine = () => receiver.received.filter(forJob(jobId, "job.completed"));
    await until("4 attempts", deadline(), async () => (mine().length >= 4 ? true : undefined));
    const attempts = mine();
    expect(attempts).toHaveLength(4);
    expect(new Set(attempts.map((r) => r.webhookId)).size).toBe(1); // the same webhook-id every time: receivers can dedupe
    for (const r of attempts) expect(() => receiver.verify(r, endpoint.secret)).not.toThrow();
    expect(receiver.received.every((r) => r.type === "job.completed")).toBe(true); // the event filter holds

    const delivery = await until("delivered", deadline(), async () => {
      const found = (await deliveries(endpoint.id)).find((d) => d.payload?.data?.id === jobId);
      return found?.status === "delivered" ? found : undefined;
    });
    expect(delivery.attempts).toBe(4);
    expect(delivery.attemptLog.map((a: any) => [a.statusCode, a.ok])).toEqual([
      [500, false],
      [500, false],
      [500, false],
      [200, true],
    ]);
    const endpointNow = (await stack.api("GET", `/webhooks/endpoints/${endpoint.id}`)).body.data;
    expect(endpointNow).toMatchObject({ active: true, consecutiveFailures: 0 });
    await stack.api("DELETE", `/webhooks/endpoints/${endpoint.id}`);
  });

  it("loses nothing when the gateway is killed mid-delivery: the stuck delivery and later events arrive after restart", async () => {
    receiver = await startWebhookReceiver();
    let first = true;
    receiver.answer = () => {
      if (!first) return 200;
      first = false;
      return "hang"; // the gateway is killed while this POST waits for an answer
    };
    const endpoint = await createEndpoint(receiver.url, ["job.completed"]);
    const stuckJob = await submit("test.echo", { n: 0 });
    const stuck = await receiver.waitFor("the first POST", forJob(stuckJob, "job.completed"));
    const others = [await submit("test.echo", { n: 1 }), await submit("test.echo", { n: 2 })];

    await stack.restartGateway("SIGKILL");
    // Jobs that finish while the old gateway is gone still reach the receiver.
    others.push(await submit("test.echo", { n: 3 }));

    for (const jobId of [stuckJob, ...others]) {
      await receiver.waitFor(`job.completed of ${jobId}, answered`, (r) => forJob(jobId, "job.completed")(r) && r.n > 1);
    }
    const again = receiver.received.filter(forJob(stuckJob, "job.completed"));
    expect(again.length).toBeGreaterThanOrEqual(2);
    expect(again.every((r) => r.webhookId === stuck.webhookId)).toBe(true);
    for (const r of receiver.received) expect(() => receiver.verify(r, endpoint.secret)).not.toThrow();

    const list = await until("all delivered", deadline(), async () => {
      const l = await deliveries(endpoint.id);
      return l.length === 4 && l.every((d) => d.status === "delivered") ? l : undefined;
    });
    const stuckDelivery = list.find((d) => d.eventId === stuck.webhookId);
    // Attempt 1 was claimed and never reported (the gateway died); attempt 2 delivered.
    expect(stuckDelivery.attempts).toBe(2);
    expect(stuckDelivery.attemptLog.map((a: any) => [a.attempt, a.ok])).toEqual([[2, true]]);
    await stack.api("DELETE", `/webhooks/endpoints/${endpoint.id}`);
  }, 60_000);
});

describe("webhook endpoints", () => {
  it("rotates the secret: both secrets verify during the window; the new one is returned once", async () => {
    receiver = await startWebhookReceiver();
    const endpoint = await createEndpoint(receiver.url, ["job.completed"]);
    const rotated = await stack.api("POST", `/webhooks/endpoints/${endpoint.id}/rotate-secret`, { body: { previousSecretValidSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    const { secret: newSecret, previousSecretExpiresAt } = rotated.body.data;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(endpoint.secret);
    expect(previousSecretExpiresAt).toBeGreaterThan(Date.now() + 3500_000);

    const test = await stack.api("POST", `/webhooks/endpoints/${endpoint.id}/test`);
    expect(test.status).toBe(202);
    expect(test.body.data).toMatchObject({ eventType: "webhook.test", status: "pending" });
    const delivered = await receiver.waitFor("the test event", (r) => r.type === "webhook.test");
    expect(() => receiver.verify(delivered, newSecret)).not.toThrow();
    expect(() => receiver.verify(delivered, endpoint.secret)).not.toThrow();
    expect(delivered.headers["webhook-signature"]!.split(" ")).toHaveLength(2);

    const read = await stack.api("GET", `/webhooks/endpoints/${endpoint.id}`);
    expect(JSON.stringify(read.body)).not.toContain(newSecret.slice(6));
    const listed = await stack.api("GET", "/webhooks/endpoints");
    expect(listed.body.data.map((e: any) => e.id)).toContain(endpoint.id);
    expect(JSON.stringify(listed.body)).not.toContain(endpoint.secret.slice(6));

    // Redelivery sends the same event again under the same webhook-id.
    const redeliver = await stack.api("POST", `/webhooks/deliveries/${test.body.data.id}/redeliver`);
    expect(redeliver.status).toBe(202);
    await until("redelivered", deadline(), async () => (receiver.received.filter((r) => r.webhookId === delivered.webhookId).length >= 2 ? true : undefined));
    await stack.api("DELETE", `/webhooks/endpoints/${endpoint.id}`);
  });

  it("disables an endpoint that answers 410 Gone, tells the user why, and PATCH active re-enables it", async () => {
    receiver = await startWebhookReceiver();
    receiver.answer = () => 410;
    const endpoint = await createEndpoint(receiver.url, ["job.created"]);
    await submit("test.echo", { gone: true });
    const disabled = await until("endpoint disabled", deadline(), async () => {
      const e = (await stack.api("GET", `/webhooks/endpoints/${endpoint.id}`)).body.data;
      return e.active ? undefined : e;
    });
    expect(disabled.disabledReason).toMatch(/410/);

    receiver.answer = () => 200;
    const patched = await stack.api("PATCH", `/webhooks/endpoints/${endpoint.id}`, { body: { active: true, description: "back" } });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ active: true, disabledReason: "", description: "back", consecutiveFailures: 0 });
    const jobId = await submit("test.echo", { back: true });
    const r = await receiver.waitFor("delivery after re-enabling", forJob(jobId, "job.created"));
    expect(() => receiver.verify(r, endpoint.secret)).not.toThrow();
    expect((await stack.api("DELETE", `/webhooks/endpoints/${endpoint.id}`)).status).toBeLessThan(300);
    expect((await stack.api("GET", `/webhooks/endpoints/${endpoint.id}`)).status).toBe(404);
  });

  it("answers bad input with the right codes", async () => {
    const badUrl = await stack.api("POST", "/webhooks/endpoints", { body: { url: "ftp://example.com/x" } });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.code).toBe("VALIDATION_ERROR");
    const badEvent = await stack.api("POST", "/webhooks/endpoints", { body: { url: "http://127.0.0.1:9/x", events: ["job.created", "job.exploded"] } });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body.error.details.violations[0].path).toBe("/events/1");
    const extra = await stack.api("POST", "/webhooks/endpoints", { body: { url: "http://127.0.0.1:9/x", colour: "red" } });
    expect(extra.status).toBe(400);

    expect((await stack.api("GET", "/webhooks/endpoints", { key: null })).status).toBe(401);
    const reader = await stack.api("POST", "/api-keys", { body: { name: "reader", scopes: ["jobs:read"] } });
    const forbidden = await stack.api("GET", "/webhooks/endpoints", { key: reader.body.data.secret });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe("FORBIDDEN");

    expect((await stack.api("GET", "/webhooks/endpoints/whe_0000000000000000")).status).toBe(404);
    expect((await stack.api("POST", "/webhooks/deliveries/whd_0000000000000000/redeliver")).status).toBe(404);
    expect((await stack.api("POST", "/webhooks/endpoints/whe_0000000000000000/test")).status).toBe(404);

    // Another org cannot see or touch this org's endpoint.
    const mine = await createEndpoint("http://127.0.0.1:9/mine");
    const other = await stack.createOrg("pro", 100);
    expect((await stack.api("GET", `/webhooks/endpoints/${mine.id}`, { key: other.apiKey })).status).toBe(404);
    expect((await stack.api("DELETE", `/webhooks/endpoints/${mine.id}`, { key: other.apiKey })).status).toBe(404);
    await stack.api("DELETE", `/webhooks/endpoints/${mine.id}`);
  });
});
