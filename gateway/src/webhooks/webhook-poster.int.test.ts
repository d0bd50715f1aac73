import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { EXCERPT_BYTES, isDelivered, postWebhook, type WebhookRequest } from "./webhook-poster.js";

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
}

const servers: http.Server[] = [];

/** A receiver on 127.0.0.1:0 that records each request and answers with `reply`. */
async function receiver(reply: (res: ServerResponse) => void): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      reply(res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks?x=1`, received };
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

const PAYLOAD = '{"type":"job.completed","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"job_1","note":"ünïcödé"}}';
const delivery = (url: string): WebhookRequest => ({
  url,
  payload: PAYLOAD,
  webhookId: "evt_0123456789abcdef",
  webhookTimestamp: "1767225600",
  webhookSignature: "v1,c2lnbmF0dXJlLW9uZQ== v1,c2lnbmF0dXJlLXR3bw==",
});
const OPEN = { timeoutMs: 5000, allowPrivate: true };

describe("postWebhook", () => {
  it("POSTs the payload byte for byte with the signed headers, and reports a 2xx", async () => {
    const r = await receiver((res) => res.writeHead(204).end());
    const outcome = await postWebhook(delivery(r.url), OPEN);
    expect(outcome).toMatchObject({ kind: "answered", statusCode: 204, error: "", responseExcerpt: "" });
    expect(isDelivered(outcome)).toBe(true);
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.received).toHaveLength(1);
    const [got] = r.received;
    expect(got!.method).toBe("POST");
    expect(got!.url).toBe("/hooks?x=1");
    expect(got!.body.equals(Buffer.from(PAYLOAD, "utf8"))).toBe(true);
    expect(got!.headers).toMatchObject({
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(PAYLOAD)),
      "user-agent": "jobplane-webhooks/1",
      "webhook-id": "evt_0123456789abcdef",
      "webhook-timestamp": "1767225600",
      "webhook-signature": "v1,c2lnbmF0dXJlLW9uZQ== v1,c2lnbmF0dXJlLXR3bw==",
    });
  });

  it("reports a 500 with the start of its body", async () => {
    const r = await receiver((res) => res.writeHead(500, { "content-type": "text/plain" }).end("boom: database down"));
    const outcome = await postWebhook(delivery(r.url), OPEN);
    expect(outcome).toMatchObject({ kind: "answered", statusCode: 500, error: "", responseExcerpt: "boom: database down" });
    expect(isDelivered(outcome)).toBe(false);
  });

  it("gives up after the timeout when the endpoint does not answer", async () => {
    const r = await receiver(() => {}); // never answers
    const outcome = await postWebhook(delivery(r.url), { timeoutMs: 200, allowPrivate: true });
    expect(outcome).toMatchObject({ kind: "timeout", statusCode: 0, error: "timed out after 200 ms", responseExcerpt: "" });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(190);
  });

  it("does not follow a redirect, and calls it a failure", async () => {
    const r = await receiver((res) => res.writeHead(302, { location: "/elsewhere" }).end("moved"));
    const outcome = await postWebhook(delivery(r.url), OPEN);
    expect(outcome).toMatchObject({ kind: "answered", statusCode: 302, error: "redirects are not followed", responseExcerpt: "moved" });
    expect(isDelivered(outcome)).toBe(false);
    expect(r.received).toHaveLength(1);
  });

  it("reports a refused connection", async () => {
    const r = await receiver((res) => res.end());
    const s = servers.pop()!;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const outcome = await postWebhook(delivery(r.url), OPEN);
    expect(outcome).toMatchObject({ kind: "network", statusCode: 0, error: "connection refused", responseExcerpt: "" });
  });

  it("reads at most 1 KiB of a large body, never half a character, and does not wait for the rest", async () => {
    const big = `a${"é".repeat(600)}`; // 1201 bytes: byte 1024 falls inside an "é"
    const r = await receiver((res) => {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      res.write(big);
      res.write("x".repeat(1024 * 1024)); // and then never ends
    });
    const outcome = await postWebhook(delivery(r.url), { timeoutMs: 30_000, allowPrivate: true });
    expect(outcome.kind).toBe("answered");
    expect(outcome.statusCode).toBe(200);
    expect(Buffer.byteLength(outcome.responseExcerpt)).toBe(EXCERPT_BYTES - 1);
    expect(outcome.responseExcerpt).toBe(big.slice(0, 512));
    expect(outcome.durationMs).toBeLessThan(30_000);
  });

  it("keeps the answer when the body outlasts the timeout", async () => {
    const r = await receiver((res) => {
      res.writeHead(200);
      res.write("partial");
    });
    const outcome = await postWebhook(delivery(r.url), { timeoutMs: 200, allowPrivate: true });
    expect(outcome).toMatchObject({ kind: "answered", statusCode: 200, error: "", responseExcerpt: "partial" });
  });

  it("refuses loopback targets unless private addresses are allowed, without connecting", async () => {
    const r = await receiver((res) => res.end());
    const port = new URL(r.url).port;
    const literal = await postWebhook(delivery(r.url), { timeoutMs: 5000, allowPrivate: false });
    expect(literal).toMatchObject({ kind: "refused", statusCode: 0, error: "refused: 127.0.0.1 is not a public address" });
    const mapped = await postWebhook(delivery(`http://[::ffff:127.0.0.1]:${port}/`), { timeoutMs: 5000, allowPrivate: false });
    expect(mapped).toMatchObject({ kind: "refused", error: "refused: ::ffff:7f00:1 is not a public address" });
    const named = await postWebhook(delivery(`http://localhost:${port}/`), { timeoutMs: 5000, allowPrivate: false });
    expect(named.kind).toBe("refused");
    expect(named.error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), not a public address$/);
    expect(r.received).toHaveLength(0);
  });

  it("refuses a URL it cannot POST to", async () => {
    expect(await postWebhook(delivery("ftp://example.com/x"), OPEN)).toMatchObject({ kind: "refused", error: "unsupported URL scheme ftp:" });
    expect(await postWebhook(delivery("not a url"), OPEN)).toMatchObject({ kind: "refused", error: "invalid URL" });
  });

  it("stops when aborted", async () => {
    const r = await receiver(() => {});
    const abort = new AbortController();
    const pending = postWebhook(delivery(r.url), { timeoutMs: 30_000, allowPrivate: true, signal: abort.signal });
    await new Promise<void>((resolve) => {
      const check = () => (r.received.length > 0 ? resolve() : setImmediate(check));
      check();
    });
    abort.abort();
    expect(await pending).toMatchObject({ kind: "aborted", statusCode: 0 });
  });
});
