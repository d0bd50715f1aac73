/**
 * Issue 5 end to end, REST side: `jobplane gateway` in front of a real
 * control plane and agent. Covers every route, every error code the REST
 * API can return, malformed input (never a 500), and SSE for a finished job.
 * Every response read through stack.api() is validated against the
 * gateway's own /openapi.json (and must carry X-Request-Id).
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSse } from "../support/sse-reader.js";
import { startGatewayStack, until, type ApiResponse, type GatewayStack } from "../support/gateway-stack.js";

let stack: GatewayStack;
beforeAll(async () => {
  stack = await startGatewayStack();
  await stack.startAgent();
}, 90_000);
afterAll(async () => {
  await stack?.close();
});

const deadline = (ms = 20_000) => Date.now() + ms;

/** Sends raw bytes to the gateway and returns everything it answers before closing. */
function rawHttp(baseUrl: string, request: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(request));
    let answer = "";
    socket.setTimeout(5_000, () => socket.destroy(new Error("no answer")));
    socket.on("data", (c: Buffer) => (answer += c.toString()));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

async function finished(id: string): Promise<any> {
  return until(`job ${id} finished`, deadline(), async () => {
    const { body } = await stack.api("GET", `/jobs/${id}`);
    return ["complete", "failed", "cancelled"].includes(body.data.status) ? body.data : undefined;
  });
}

describe("gateway ops", () => {
  it("serves /healthz, /metrics and /openapi.json, and echoes or mints X-Request-Id", async () => {
    const health = await stack.api("GET", "/healthz", { key: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: "ok", checks: { controlPlane: "ok" } });

    const doc = await stack.api("GET", "/openapi.json", { key: null });
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toContain("/jobs/{id}/events");

    const echoed = await stack.api("GET", "/healthz", { key: null, headers: { "x-request-id": "e2e-req-1" } });
    expect(echoed.headers.get("x-request-id")).toBe("e2e-req-1");
    const minted = await stack.api("GET", "/healthz", { key: null, headers: { "x-request-id": "bad id with spaces" } });
    expect(minted.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const metrics = await stack.api("GET", "/metrics", { key: null });
    expect(metrics.body).toContain('jobplane_gateway_http_requests_total{route="/healthz",method="GET",status="200"}');
    expect(metrics.body).toContain("jobplane_gateway_http_request_duration_seconds_bucket");
  });
});

describe("jobs", () => {
  it("submits (201), deduplicates by idempotencyKey (200), runs and renders the finished job", async () => {
    const body = { type: "test.echo", params: { hello: "world" }, idempotencyKey: "e2e-once", priority: 5 };
    const created = await stack.api("POST", "/jobs", { body });
    expect(created.status).toBe(201);
    const job = created.body.data;
    expect(job).toMatchObject({ type: "test.echo", status: "waiting", priority: 5, idempotencyKey: "e2e-once", attempt: 1, testMode: false });
    expect(job.id).toMatch(/^job_[0-9a-f]{16,}$/);
    expect(job.createdAt).toBeGreaterThan(Date.now() - 60_000);

    const again = await stack.api("POST", "/jobs", { body });
    expect(again.status).toBe(200);
    expect(again.body.data.id).toBe(job.id);

    const done = await finished(job.id);
    expect(done).toMatchObject({ status: "complete", error: null, output: { data: { hello: "world" } }, cost: { estimated: 1, actual: 1 } });
    expect(done.completedAt).toBeGreaterThanOrEqual(done.startedAt);
    expect(done.startedAt).toBeGreaterThanOrEqual(done.dispatchedAt);

    const logs = await stack.api("GET", `/jobs/${job.id}/logs`);
    const types = logs.body.data.map((e: any) => e.type);
    expect(types[0]).toBe("job.created");
    expect(types.at(-1)).toBe("job.completed");
    expect(types).toEqual(expect.arrayContaining(["job.dispatched", "job.started"]));
    const sequences = logs.body.data.map((e: any) => e.sequence);
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
    expect(logs.body.meta).toEqual({ limit: 500, hasMore: false, nextAfter: null });

    const page = await stack.api("GET", `/jobs/${job.id}/logs?limit=2`);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.meta).toEqual({ limit: 2, hasMore: true, nextAfter: sequences[1] });
    const after = await stack.api("GET", `/jobs/${job.id}/logs?after=${sequences[1]}`);
    expect(after.body.data.map((e: any) => e.sequence)).toEqual(sequences.slice(2));
  });

  it("streams a finished job over SSE: snapshot, every event, then the end; a reconnect after the end gets 204", async () => {
    const { body } = await stack.api("POST", "/jobs", { body: { type: "test.echo", params: { sse: true } } });
    const id = body.data.id;
    await finished(id);
    const logs = (await stack.api("GET", `/jobs/${id}/logs`)).body.data;

    const sse = await openSse(`${stack.gatewayUrl}/jobs/${id}/events`, { authorization: `Bearer ${stack.apiKey}` });
    expect(sse.status).toBe(200);
    expect(sse.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(sse.headers.get("x-request-id")).toBeTruthy();
    expect(stack.validator.check("GET", "/jobs/{id}/events", 200, sse.headers.get("content-type"), undefined).problem).toBeUndefined();
    const events = await sse.rest(deadline(10_000));
    expect(events[0]!.event).toBe("job.snapshot");
    expect(events[0]!.id).toBeUndefined();
    expect(stack.validator.checkSchema("Job", events[0]!.data).problem).toBeUndefined();
    expect(events[0]!.data.status).toBe("complete");
    const rest = events.slice(1);
    for (const e of rest) {
      expect(stack.validator.checkSchema("JobEvent", e.data).problem).toBeUndefined();
      expect(e.event).toBe(e.data.type);
      expect(e.id).toBe(String(e.data.sequence));
    }
    expect(rest.map((e) => e.data)).toEqual(logs);

    const last = rest.at(-1)!.id!;
    const resumed = await fetch(`${stack.gatewayUrl}/jobs/${id}/events`, {
      headers: { authorization: `Bearer ${stack.apiKey}`, "last-event-id": last },
    });
    expect(resumed.status).toBe(204);
    expect(stack.validator.check("GET", "/jobs/{id}/events", 204, null, undefined).problem).toBeUndefined();

    const partial = await openSse(`${stack.gatewayUrl}/jobs/${id}/events`, {
      authorization: `Bearer ${stack.apiKey}`,
      "last-event-id": rest[1]!.id!,
    });
    const tail = await partial.rest(deadline(10_000));
    expect(tail.map((e) => e.event)).toEqual(["job.snapshot", ...rest.slice(2).map((e) => e.event)]);

    const missing = await stack.api("GET", "/jobs/job_00000000000000000000/events");
    expect(missing.status).toBe(404);
    const badId = await stack.api("GET", `/jobs/${id}/events`, { headers: { "last-event-id": "abc" } });
    expect(badId.status).toBe(400);
    expect(badId.body.error.details.violations[0].path).toBe("/headers/Last-Event-ID");
  });

  it("lists with filters and cursor pagination", async () => {
    const start = Date.now() - 1;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await stack.api("POST", "/jobs", { body: { type: "test.echo", params: { i } } })).body.data.id);
    await Promise.all(ids.map(finished));

    const first = await stack.api("GET", `/jobs?limit=2&type=test.echo&createdAfter=${start}`);
    expect(first.body.data.map((j: any) => j.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.meta.limit).toBe(2);
    expect(first.body.meta.nextCursor).toEqual(expect.any(String));
    const second = await stack.api("GET", `/jobs?limit=2&type=test.echo&createdAfter=${start}&cursor=${encodeURIComponent(first.body.meta.nextCursor)}`);
    expect(second.body.data.map((j: any) => j.id)).toEqual([ids[0]]);
    expect(second.body.meta.nextCursor).toBeNull();

    const complete = await stack.api("GET", "/jobs?status=complete,failed");
    expect(complete.body.data.length).toBeGreaterThanOrEqual(3);
    expect(complete.body.data.every((j: any) => ["complete", "failed"].includes(j.status))).toBe(true);
    expect(complete.body.meta.limit).toBe(50);
    const before = await stack.api("GET", `/jobs?createdBefore=${start}&type=test.echo`);
    expect(before.body.data.map((j: any) => j.id)).not.toContain(ids[0]);

    const bad = await stack.api("GET", "/jobs?status=done&limit=101&createdAfter=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_ERROR");
    expect(bad.body.error.details.violations.map((v: any) => v.path)).toEqual(["/query/status", "/query/limit", "/query/createdAfter"]);
  });

  it("fails, retries a failed job, and refuses to cancel or retry a finished one (409)", async () => {
    const { body } = await stack.api("POST", "/jobs", { body: { type: "test.fail", params: { code: "PROVIDER_ERROR", message: "boom" } } });
    const failed = await finished(body.data.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ code: "PROVIDER_ERROR", message: "boom", retryable: true, failedPhase: "process" });

    const retried = await stack.api("POST", `/jobs/${failed.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.data).toMatchObject({ status: "waiting", attempt: 2 });
    await finished(failed.id);

    const { body: echo } = await stack.api("POST", "/jobs", { body: { type: "test.echo" } });
    await finished(echo.data.id);
    const cancel = await stack.api("POST", `/jobs/${echo.data.id}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe("CONFLICT");
    const retry = await stack.api("POST", `/jobs/${echo.data.id}/retry`);
    expect(retry.status).toBe(409);
  });

  it("cancels a running job", async () => {
    const { body } = await stack.api("POST", "/jobs", { body: { type: "test.sleep", params: { seconds: 30 } } });
    await until("running", deadline(), async () => ((await stack.api("GET", `/jobs/${body.data.id}`)).body.data.status === "running" ? true : undefined));
    const cancelled = await stack.api("POST", `/jobs/${body.data.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status === "cancelled" || cancelled.body.data.cancelRequested).toBe(true);
    expect((await finished(body.data.id)).status).toBe("cancelled");
  });

  it("shows job types and their params schema", async () => {
    const types = await stack.api("GET", "/jobs/types");
    const echo = types.body.data.find((t: any) => t.name === "test.echo");
    expect(echo).toMatchObject({ maxExecutionSeconds: 60, pricing: { baseCredits: 1, creditsPerSecond: 0 } });
    const schema = await stack.api("GET", "/jobs/types/test.sleep/schema");
    expect(schema.body.data.type).toBe("test.sleep");
    expect(schema.body.data.schema).toMatchObject({ required: ["seconds"] });
    const missing = await stack.api("GET", "/jobs/types/no.such.type/schema");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("NOT_FOUND");
  });
});

describe("billing and API keys", () => {
  it("shows the balance and pages the usage ledger", async () => {
    const balance = await stack.api("GET", "/billing/balance");
    expect(balance.body.data.available).toBe(balance.body.data.balance - balance.body.data.held);
    const usage = await stack.api("GET", "/billing/usage?limit=2");
    expect(usage.body.data).toHaveLength(2);
    expect(usage.body.meta.nextCursor).toEqual(expect.any(String));
    const next = await stack.api("GET", `/billing/usage?limit=2&cursor=${encodeURIComponent(usage.body.meta.nextCursor)}`);
    expect(next.body.data[0].id).not.toBe(usage.body.data[0].id);
    const all = await stack.api("GET", "/billing/usage?limit=100");
    expect(all.body.data.map((e: any) => e.kind)).toEqual(expect.arrayContaining(["topup", "hold", "capture", "release"]));
    const bad = await stack.api("GET", "/billing/usage?limit=0");
    expect(bad.status).toBe(400);
  });

  it("creates (secret once), lists and revokes keys; scopes are enforced (403) and a revoked key is refused (401)", async () => {
    const created = await stack.api("POST", "/api-keys", { body: { name: "reader", scopes: ["jobs:read"] } });
    expect(created.status).toBe(201);
    const { key, secret } = created.body.data;
    expect(secret).toMatch(/^jp_live_/);
    expect(key).toMatchObject({ name: "reader", scopes: ["jobs:read"], revokedAt: null, testMode: false });
    expect(secret.startsWith(key.prefix)).toBe(true);

    const listed = await stack.api("GET", "/api-keys");
    expect(listed.body.data.map((k: any) => k.id)).toContain(key.id);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    expect((await stack.api("GET", "/jobs", { key: secret })).status).toBe(200);
    const forbidden = await stack.api("POST", "/jobs", { key: secret, body: { type: "test.echo" } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe("FORBIDDEN");
    expect((await stack.api("GET", "/billing/balance", { key: secret })).status).toBe(403);
    expect((await stack.api("GET", "/api-keys", { key: secret })).status).toBe(403);

    const revoked = await stack.api("DELETE", `/api-keys/${key.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.data.revokedAt).toEqual(expect.any(Number));
    const refused = await stack.api("GET", "/jobs", { key: secret });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("UNAUTHORIZED");

    expect((await stack.api("DELETE", "/api-keys/key_doesnotexist")).status).toBe(404);
    const badScope = await stack.api("POST", "/api-keys", { body: { scopes: ["root"] } });
    expect(badScope.status).toBe(400);
    expect(badScope.body.error.details.violations[0].path).toBe("/scopes/0");
  });
});

describe("errors", () => {
  it("401 without a key or with an unknown one", async () => {
    for (const key of [null, "jp_live_not_a_real_key_000000000000"]) {
      const res = await stack.api("GET", "/jobs", { key });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("UNAUTHORIZED");
    }
  });

  it("402 when the balance cannot hold the job", async () => {
    const poor = await stack.createOrg("pro", 10);
    const res = await stack.api("POST", "/jobs", { key: poor.apiKey, body: { type: "test.sleep", params: { seconds: 1 } } });
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe("INSUFFICIENT_CREDITS");
  });

  it("403 PLAN_LIMIT for a job type outside the plan; 429 with Retry-After past the free plan's 30 calls a minute", async () => {
    const free = await stack.createOrg("free", 1000);
    const plan = await stack.api("POST", "/jobs", { key: free.apiKey, body: { type: "transcode", params: { format: "mp4" } } });
    expect(plan.status).toBe(403);
    expect(plan.body.error.code).toBe("PLAN_LIMIT");
    expect(plan.body.error.details.metadata.limit).toBe("job_types");

    let limited: ApiResponse | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await stack.api("GET", "/billing/balance", { key: free.apiKey });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(200);
    }
    expect(limited, "a 429 within 40 calls").toBeDefined();
    expect(limited!.body.error.code).toBe("RATE_LIMITED");
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited!.body.error.details.retryAfterMs).toBeGreaterThan(0);
  });

  it("400 with the path of every invalid field, from the gateway's schema and from the control plane", async () => {
    const shape = await stack.api("POST", "/jobs", { body: { params: [], inputs: [{ name: "a" }], priority: "high", colour: "red" } });
    expect(shape.status).toBe(400);
    expect(shape.body.error.code).toBe("VALIDATION_ERROR");
    expect(shape.body.error.details.violations.map((v: any) => v.path).sort()).toEqual(
      ["/colour", "/inputs/0/url", "/params", "/priority", "/type"].sort(),
    );
    const params = await stack.api("POST", "/jobs", { body: { type: "test.sleep", params: { seconds: "x" }, priority: 1000 } });
    expect(params.status).toBe(400);
    expect(params.body.error.details.violations.map((v: any) => v.path)).toEqual(expect.arrayContaining(["/params/seconds", "/priority"]));
    const type = await stack.api("POST", "/jobs", { body: { type: "no.such.type" } });
    expect(type.status).toBe(400);
    expect(type.body.error.code).toBe("INVALID_JOB_TYPE");
  });

  it("malformed JSON 400, wrong content type 415, oversized body 413, unknown route 404, wrong method 405, plain GET on the hub 426", async () => {
    const malformed = await stack.api("POST", "/jobs", { raw: '{"type": "test.echo",', headers: { "content-type": "application/json" } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("VALIDATION_ERROR");
    const noBody = await stack.api("POST", "/jobs", {});
    expect(noBody.status).toBe(400);

    const text = await stack.api("POST", "/jobs", { raw: "type=test.echo", headers: { "content-type": "text/plain" } });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");

    const big = JSON.stringify({ type: "test.echo", params: { blob: "x".repeat(1024 * 1024 + 10) } });
    const large = await stack.api("POST", "/jobs", { raw: big, headers: { "content-type": "application/json" } });
    expect(large.status).toBe(413);
    expect(large.body.error.code).toBe("PAYLOAD_TOO_LARGE");

    const route = await stack.api("GET", "/no/such/route", { template: "/jobs/{id}" });
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe("NOT_FOUND");

    // DELETE /jobs is no operation of the document: its 405 is checked against /jobs' default response.
    const raw = await fetch(`${stack.gatewayUrl}/jobs`, { method: "DELETE", headers: { authorization: `Bearer ${stack.apiKey}` } });
    expect(raw.status).toBe(405);
    expect(raw.headers.get("allow")).toBe("POST, GET");
    const body = (await raw.json()) as any;
    expect(stack.validator.check("GET", "/jobs", 405, raw.headers.get("content-type"), body).problem).toBeUndefined();
    expect(body.error.code).toBe("METHOD_NOT_ALLOWED");

    const hub = await stack.api("GET", "/v1/realtime");
    expect(hub.status).toBe(426);
    expect(hub.body.error.code).toBe("UPGRADE_REQUIRED");

    const missing = await stack.api("GET", "/jobs/job_00000000000000000000");
    expect(missing.status).toBe(404);

    // Below HTTP's surface: a request target that is no URL, and a request that is no HTTP.
    const target = await rawHttp(stack.gatewayUrl, "GET http://[broken/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(target).toMatch(/^HTTP\/1\.1 400 /);
    expect(target).toContain('"code":"VALIDATION_ERROR"');
    const garbage = await rawHttp(stack.gatewayUrl, "HELLO\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);

    // The gateway kept serving: nothing above was a 500.
    expect((await stack.api("GET", "/healthz", { key: null })).status).toBe(200);
  });
});

describe("logs", () => {
  it("hold one JSON line per request and never an API key", async () => {
    const out = stack.gateway.output();
    expect(out).not.toContain("jp_live_");
    expect(out).not.toContain("jp_test_");
    const requests = out.split("\n").filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l));
    expect(requests.length).toBeGreaterThan(50);
    expect(requests[0]).toEqual(expect.objectContaining({ requestId: expect.any(String), route: expect.any(String), status: expect.any(Number) }));
  });
});
