/**
 * The control plane as a user runs it: `jobplane migrate` on a fresh
 * database (twice), then `jobplane control-plane` answering /healthz and
 * reflection over HTTP/1.1 and h2c on one port, and stopping cleanly on
 * SIGTERM.
 */
import http2 from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { createTestNats, type TestNats } from "../support/test-nats.js";
import { runJobplane, startJobplane, stopAll } from "../support/processes.js";

let db: TestDatabase | undefined;
let nats: TestNats | undefined;
afterEach(async () => {
  await stopAll();
  await nats?.cleanup();
  nats = undefined;
  await db?.drop();
  db = undefined;
});

function h2Get(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on("error", reject);
    const req = session.request({ ":path": path });
    let status = 0;
    let body = "";
    req.on("response", (h) => (status = Number(h[":status"])));
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => (session.close(), resolve({ status, body })));
    req.end();
  });
}

describe("jobplane migrate", () => {
  it("creates the tables on a fresh database, and a second run applies nothing", async () => {
    db = await createTestDatabase({ empty: true });
    const first = await runJobplane(["migrate"], { DATABASE_URL: db.url });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).applied.length).toBeGreaterThan(0);
    const second = await runJobplane(["migrate"], { DATABASE_URL: db.url });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).applied).toEqual([]);
  });

  it("refuses an unknown command with usage and exit code 2", async () => {
    const result = await runJobplane(["no-such-command"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command "no-such-command"[\s\S]*migrate/);
  });
});

describe("jobplane control-plane", () => {
  it("refuses to start on an unmigrated database, naming the fix", async () => {
    db = await createTestDatabase({ empty: true });
    const result = await runJobplane(["control-plane"], { DATABASE_URL: db.url, CONTROL_PLANE_PORT: "0" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/pending migration.*jobplane migrate/);
  });

  it("serves /healthz over HTTP/1.1 and h2c on one port and stops on SIGTERM", async () => {
    db = await createTestDatabase();
    nats = await createTestNats();
    const cp = startJobplane(["control-plane"], {
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      JOBPLANE_NATS_PREFIX: nats.prefix,
      CONTROL_PLANE_PORT: "0",
      CONTROL_PLANE_HOST: "127.0.0.1",
    });
    const listening = await cp.waitForLog((l) => l.msg === "control plane listening");
    const url = String(listening.url);

    const h1 = await fetch(`${url}/healthz`);
    expect(h1.status).toBe(200);
    expect(await h1.json()).toEqual({ status: "ok", checks: { postgres: "ok", nats: "ok" } });
    const h2 = await h2Get(url, "/healthz");
    expect(h2.status).toBe(200);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain("process_cpu_user_seconds_total");

    expect(await cp.stop("SIGTERM")).toBe(0);
    expect(cp.output()).toContain('"msg":"stopped"');
  });
});
