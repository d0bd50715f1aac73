import http from "node:http";
import http2 from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import { createDualProtocolServer, type DualProtocolServer } from "./dual-protocol-server.js";
import { send } from "./ops-routes.js";

function h1Get(port: number, path: string): Promise<{ status: number; body: string; version: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, version: res.httpVersion }));
      })
      .on("error", reject);
  });
}

function h2Get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const req = session.request({ ":path": path });
    let status = 0;
    let body = "";
    req.on("response", (headers) => (status = Number(headers[":status"])));
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      session.close();
      resolve({ status, body });
    });
    req.end();
  });
}

describe("dual protocol server", () => {
  let server: DualProtocolServer | undefined;
  afterEach(async () => server?.close(100));

  it("answers HTTP/1.1 and h2c on the same port", async () => {
    server = createDualProtocolServer((req, res) => send(res, 200, "text/plain", `${req.httpVersion} ${req.url}`));
    const port = await server.listen(0, "127.0.0.1");

    const one = await h1Get(port, "/a");
    expect(one).toMatchObject({ status: 200, body: "1.1 /a" });
    const two = await h2Get(port, "/b");
    expect(two).toMatchObject({ status: 200, body: "2.0 /b" });
  });

  it("lets an in-flight request finish when closing", async () => {
    let release!: () => void;
    const started = new Promise<void>((resolveStarted) => {
      server = createDualProtocolServer((_req, res) => {
        resolveStarted();
        release = () => send(res, 200, "text/plain", "done");
      });
    });
    const port = await server!.listen(0, "127.0.0.1");
    const pending = h1Get(port, "/slow");
    await started;
    const closing = server!.close(5_000);
    release();
    await expect(pending).resolves.toMatchObject({ status: 200, body: "done" });
    await closing;
    server = undefined;
  });
});
