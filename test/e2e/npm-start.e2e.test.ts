/**
 * The README's first command: `npm start` brings up the stack (control plane,
 * gateway, an agent, a demo org and key), registers a local webhook receiver,
 * runs a real job to complete through the gateway's REST API, shows its
 * webhooks verified with `standardwebhooks`, deletes the endpoint again, and
 * writes .jobplane/dev.json. `--smoke` makes it stop afterwards with exit code 0.
 * Run against a test database and NATS prefix so it touches nothing shared.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { createTestNats, type TestNats } from "../support/test-nats.js";
import { REPO_ROOT } from "../support/processes.js";

let db: TestDatabase | undefined;
let nats: TestNats | undefined;
afterEach(async () => {
  await nats?.cleanup();
  await db?.drop();
});

describe("npm start", () => {
  it("brings up the stack, runs a real job over REST and shows its webhooks verified", async () => {
    db = await createTestDatabase({ empty: true });
    nats = await createTestNats();
    const stateDir = await mkdtemp(path.join(tmpdir(), "jobplane-start-"));
    // `npm start` is `tsx scripts/dev-stack.ts`: the same, on the pinned Node.
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/dev-stack.ts", "--smoke"], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        NATS_URL: nats.url,
        JOBPLANE_NATS_PREFIX: nats.prefix,
        CONTROL_PLANE_PORT: "0",
        GATEWAY_PORT: "0",
        JOBPLANE_STATE_DIR: stateDir,
      },
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, out).toBe(0);
    const jobId = out.match(/demo job (job_[0-9a-f]+): complete, output \{"hello":"jobplane"\}, charged \d+ credit\(s\)/)?.[1];
    expect(jobId, out).toBeDefined();
    for (const type of ["job.created", "job.dispatched", "job.started", "job.completed"]) {
      expect(out).toMatch(new RegExp(`webhook ${type.replace(".", "\\.")} evt_\\w+ verified`));
    }
    expect(out).not.toMatch(/NOT verified|WEBHOOKS FAILED/);
    expect(out).toMatch(/demo webhook endpoint deleted/);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // Nothing left pointing at the receiver's port, which died with the process.
      expect((await client.query("select id from webhook_endpoints")).rows).toEqual([]);
      expect((await client.query("select 1 from jobs where id = $1", [jobId])).rows).toHaveLength(1);
    } finally {
      await client.end();
    }
    expect(out).toMatch(/API key {8}jp_live_/);
    const dev = JSON.parse(await readFile(path.join(stateDir, "dev.json"), "utf8"));
    expect(dev).toMatchObject({ apiKey: expect.stringMatching(/^jp_live_/), databaseUrl: db.url, natsUrl: nats.url });
    expect(dev.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(dev.controlPlaneUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
