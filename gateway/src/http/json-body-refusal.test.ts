/**
 * A refused upload must reach the client as our error, not as a connection
 * reset while it is still writing (EPIPE) — the flake CI once showed on the
 * 413 path. Real sockets on loopback; no storage involved.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RestError } from "../errors/rest-error.js";
import { discardBody, readJsonBody } from "./json-body.js";

const LIMIT = 1024;
let server: http.Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server that reads a JSON body, answers refusals after discardBody as the gateway does. */
async function startServer(discardLimit: number): Promise<string> {
  server = http.createServer(async (req, res) => {
    try {
      const body = await readJsonBody(req, LIMIT);
      res.writeHead(200).end(JSON.stringify(body));
    } catch (err) {
      const status = err instanceof RestError ? err.status : 500;
      if (!(await discardBody(req, discardLimit, 5_000))) res.setHeader("connection", "close");
      res.writeHead(status).end(JSON.stringify({ status }));
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

const bigJson = (bytes: number) => JSON.stringify({ blob: "x".repeat(bytes) });

/** A body without Content-Length, so the limit is found while reading. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 16 * 1024));
      offset += 16 * 1024;
    },
  });
}

describe("refusing a body", () => {
  it("answers 413 for a declared oversized body, and the connection stays usable", async () => {
    const url = await startServer(8 * 1024 * 1024);
    for (let i = 0; i < 5; i++) {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: bigJson(2 * 1024 * 1024) });
      expect(res.status).toBe(413);
      expect(res.headers.get("connection")).not.toBe("close");
      await res.text();
    }
    const ok = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' });
    expect(await ok.json()).toEqual({ a: 1 });
  });

  it("answers 413 for a streamed body found too large while reading", async () => {
    const url = await startServer(8 * 1024 * 1024);
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunked(bigJson(512 * 1024)),
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it("answers 415 with the body still arriving", async () => {
    const url = await startServer(8 * 1024 * 1024);
    const res = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "x".repeat(1024 * 1024) });
    expect(res.status).toBe(415);
  });

  it("closes the connection when the rest is more than it will discard", async () => {
    const url = await startServer(64 * 1024);
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: chunked(bigJson(256 * 1024)), duplex: "half" } as RequestInit).catch(
      (err: unknown) => err,
    );
    // Either the client read our 413 before the close, or it was still writing when the socket closed:
    // both are allowed once the gateway refuses to read further; what must not happen is a hang.
    if (res instanceof Response) {
      expect(res.status).toBe(413);
      expect(res.headers.get("connection")).toBe("close");
    } else {
      expect(res).toBeInstanceOf(Error);
    }
  });
});
