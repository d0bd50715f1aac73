/**
 * Issue 5 end to end, real-time side: the WebSocket hub and SSE against a
 * real control plane and agent. A client sees a job's created → complete
 * with progress; a client forced off mid-job resumes from its last sequence
 * with no gap and no repeat; the org's balance events and balance.updated
 * reach it; every credential path (header, subprotocol, first message) works
 * and bad ones are refused; SIGTERM closes SSE and
 * WebSocket clients with a reason and the gateway exits 0.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGatewayStack, until, type GatewayStack } from "../support/gateway-stack.js";
import { openSse } from "../support/sse-reader.js";
import { connectHub, type HubClient } from "../support/ws-client.js";

let stack: GatewayStack;
let wsUrl: string;
beforeAll(async () => {
  stack = await startGatewayStack({ gatewayEnv: { GATEWAY_WS_AUTH_TIMEOUT_MS: "1000", GATEWAY_WS_PING_INTERVAL_MS: "1000" } });
  await stack.startAgent();
  wsUrl = stack.gatewayUrl.replace(/^http/, "ws") + "/v1/realtime";
}, 90_000);
afterAll(async () => {
  await stack?.close();
});

const deadline = (ms = 20_000) => Date.now() + ms;
const bearer = () => ({ authorization: `Bearer ${stack.apiKey}` });

async function submit(type: string, params: object): Promise<string> {
  const res = await stack.api("POST", "/jobs", { body: { type, params } });
  expect(res.status).toBe(201);
  return res.body.data.id;
}

async function timeline(id: string): Promise<any[]> {
  return (await stack.api("GET", `/jobs/${id}/logs`)).body.data;
}

async function finishedTimeline(id: string): Promise<any[]> {
  return until(`job ${id} finished`, deadline(), async () => {
    const events = await timeline(id);
    return ["job.completed", "job.failed", "job.cancelled"].includes(events.at(-1)?.type) ? events : undefined;
  });
}

/** The job's events a client received, checked against the document's JobEvent schema. */
function eventsOf(client: HubClient, id: string): any[] {
  const events = client.messages.filter((m) => m.jobId === id);
  for (const e of events) expect(stack.validator.checkSchema("JobEvent", e).problem).toBeUndefined();
  return events;
}

describe("WebSocket hub", () => {
  it("streams a job's created → progress → complete to a client, and resumes a forced reconnect with no gap", async () => {
    // A known starting point: the last sequence of a finished warm-up job.
    const warmup = await finishedTimeline(await submit("test.echo", { warmup: true }));
    const start = warmup.at(-1).sequence;

    const a = await connectHub(`${wsUrl}?after=${start}`, { headers: bearer() });
    expect(await a.waitFor((m) => m.type === "ready", "ready")).toEqual({ type: "ready", afterSequence: start });
    const first = await submit("test.sleep", { seconds: 2 });
    await a.waitFor((m) => m.jobId === first && m.type === "job.completed", "first job completed");
    const seen = eventsOf(a, first);
    expect(seen.map((e) => e.type)).toEqual(expect.arrayContaining(["job.created", "job.dispatched", "job.started", "job.progress", "job.completed"]));
    expect(seen[0].type).toBe("job.created");
    expect(seen.at(-1).data.status).toBe("complete");
    const progress = seen.filter((e) => e.type === "job.progress");
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.every((e) => e.progress && e.progress.percent >= 0)).toBe(true);
    // Exactly the job's timeline, in order.
    expect(seen).toEqual(await timeline(first));

    // Forced reconnect: drop the client mid-job, let the job finish, resume from the last sequence seen.
    const second = await submit("test.sleep", { seconds: 2 });
    await a.waitFor((m) => m.jobId === second && m.type === "job.started", "second job started");
    a.ws.terminate();
    const lastSeen = a.messages.filter((m) => typeof m.sequence === "number").at(-1).sequence;
    const full = await finishedTimeline(second);

    const b = await connectHub(`${wsUrl}?after=${lastSeen}`, { protocols: ["jobplane.v1", `jobplane.bearer.${stack.apiKey}`] });
    expect(b.ws.protocol).toBe("jobplane.v1");
    await b.waitFor((m) => m.jobId === second && m.type === "job.completed", "second job completed after the reconnect");
    const before = eventsOf(a, second);
    const after = eventsOf(b, second);
    // Together, the two connections saw the whole timeline once: no gap, no repeat.
    expect([...before, ...after]).toEqual(full);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((e) => e.sequence > lastSeen)).toBe(true);
    b.ws.close();
    await b.closed();
  }, 60_000);

  it("authenticates by first message, resumes on request, and serves many clients of one org", async () => {
    const id = await submit("test.echo", { many: true });
    const events = await finishedTimeline(id);
    const before = events[0].sequence - 1;

    const clients = await Promise.all([0, 1, 2].map(() => connectHub(wsUrl)));
    for (const c of clients) {
      c.send({ type: "auth", apiKey: stack.apiKey });
      await c.waitFor((m) => m.type === "ready", "ready after auth");
      c.send({ type: "ping" });
      await c.waitFor((m) => m.type === "pong", "pong");
      c.send({ type: "resume", afterSequence: before });
    }
    for (const c of clients) {
      await c.waitFor((m) => m.jobId === id && m.type === "job.completed", "replayed completion");
      expect(eventsOf(c, id)).toEqual(events);
      const bad = c.messages.filter((m) => m.type === "error");
      expect(bad).toEqual([]);
      c.ws.close();
    }
  });

  it("forwards the org's balance.low and sends balance.updated after subscribing and as credits move or are topped up", async () => {
    // 101 credits, threshold 100: the second 1-credit hold crosses it.
    const { orgId, apiKey } = await stack.createOrg("pro", 101);
    const c = await connectHub(wsUrl, { headers: { authorization: `Bearer ${apiKey}` } });
    await c.waitFor((m) => m.type === "ready", "ready");
    expect(await c.waitFor((m) => m.type === "balance.updated", "the balance after subscribing")).toEqual({
      type: "balance.updated",
      balance: { balance: 101, held: 0, available: 101 },
    });
    for (const n of [1, 2]) {
      const res = await stack.api("POST", "/jobs", { key: apiKey, body: { type: "test.echo", params: { n } } });
      expect(res.status).toBe(201);
    }
    const low = await c.waitFor((m) => m.type === "balance.low", "balance.low");
    expect(low).toEqual({
      type: "balance.low",
      id: expect.stringMatching(/^evt_/),
      sequence: expect.any(Number),
      orgId,
      occurredAt: expect.any(Number),
      // {101, 2} — or {100, 1} when the agent finished the first job before the second was held.
      balance: { balance: expect.any(Number), held: expect.any(Number), available: 99, threshold: 100 },
    });
    expect(low.balance.balance - low.balance.held).toBe(99);
    // The jobs complete (1 credit each): the last balance.updated shows it, and the REST balance agrees.
    const settled = await c.waitFor(
      (m) => m.type === "balance.updated" && m.balance.held === 0 && m.balance.balance === 99,
      "the balance after both jobs completed",
    );
    expect((await stack.api("GET", "/billing/balance", { key: apiKey })).body.data).toEqual(settled.balance);
    // A top-up has no event, and comes through anyway — even one the admin CLI writes straight to the database.
    await stack.admin(["top-up", "--org", orgId, "--amount", "50"]);
    await c.waitFor((m) => m.type === "balance.updated" && m.balance.balance === 149, "the balance after a top-up");
    const updates = c.messages.filter((m) => m.type === "balance.updated");
    // Only changes are sent: no two consecutive updates are equal.
    for (let i = 1; i < updates.length; i++) expect(updates[i]).not.toEqual(updates[i - 1]);
    c.ws.close();
    await c.closed();
  });

  it("refuses bad credentials: 401 on the upgrade, 1008 after a bad auth message or none at all", async () => {
    const refused = await connectHub(wsUrl, { headers: { authorization: "Bearer jp_live_bogus_000000000000000000" } }).catch((e) => e);
    expect(refused.status).toBe(401);
    expect(refused.headers["x-request-id"]).toBeTruthy();
    const envelope = JSON.parse(refused.body);
    expect(stack.validator.check("GET", "/v1/realtime", 401, "application/json", envelope).problem).toBeUndefined();
    expect(envelope.error.code).toBe("UNAUTHORIZED");

    const badAfter = await connectHub(`${wsUrl}?after=x`, { headers: bearer() }).catch((e) => e);
    expect(badAfter.status).toBe(400);

    const byMessage = await connectHub(wsUrl);
    byMessage.send({ type: "auth", apiKey: "jp_live_bogus_000000000000000000" });
    const closed = await byMessage.closed();
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/^UNAUTHORIZED/);
    expect(byMessage.messages[0]).toMatchObject({ type: "error", error: { code: "UNAUTHORIZED" } });

    const silent = await connectHub(wsUrl);
    expect((await silent.closed(5_000)).code).toBe(1008);

    const wrongPath = await connectHub(wsUrl.replace("/v1/realtime", "/v1/elsewhere"), { headers: bearer() }).catch((e) => e);
    expect(wrongPath.status).toBe(404);
    expect(stack.gateway.output()).not.toContain(stack.apiKey);
  });
});

describe("SSE", () => {
  it("follows a running job live to its terminal event", async () => {
    const id = await submit("test.sleep", { seconds: 1 });
    const sse = await openSse(`${stack.gatewayUrl}/jobs/${id}/events`, bearer());
    expect(sse.status).toBe(200);
    const events = await sse.rest(deadline());
    expect(events[0]!.event).toBe("job.snapshot");
    expect(events.at(-1)!.event).toBe("job.completed");
    expect(events.slice(1).map((e) => e.data)).toEqual(await timeline(id));
  });
});

describe("SIGTERM", () => {
  it("closes SSE and WebSocket clients with a reason, then exits 0", async () => {
    const id = await submit("test.sleep", { seconds: 30 });
    const ws = await connectHub(wsUrl, { headers: bearer() });
    await ws.waitFor((m) => m.type === "ready", "ready");
    const sse = await openSse(`${stack.gatewayUrl}/jobs/${id}/events`, bearer());
    expect((await sse.next(deadline()))?.event).toBe("job.snapshot");

    const signalled = Date.now();
    const exited = stack.gateway.stop("SIGTERM");
    const closed = await ws.closed();
    expect(closed.code).toBe(1001);
    expect(closed.reason).toMatch(/shutting down/);
    const rest = await sse.rest(deadline());
    expect(rest.at(-1)).toMatchObject({ event: "gateway.closing", data: { reason: expect.stringMatching(/Last-Event-ID/) } });
    expect(await exited).toBe(0);
    // Nothing waited for a keep-alive timeout or the grace period.
    expect(Date.now() - signalled).toBeLessThan(2_000);
    await stack.api("POST", `/jobs/${id}/cancel`).catch(() => undefined);
  });
});
