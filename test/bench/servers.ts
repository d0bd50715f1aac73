/**
 * The benchmark's stack on the real servers, started the way a user starts
 * it: a fresh database migrated by `jobplane migrate`, an org and an agent
 * token from `jobplane admin`, then a `jobplane control-plane` and a
 * `jobplane agent` process (bin/jobplane.js on this Node), all under a NATS
 * prefix of their own. `cleanup()` stops the processes (SIGTERM), drops the
 * database and deletes the prefix's streams.
 *
 * `startProcesses()` replaces them by a fresh set on the same database and
 * prefix, optionally with a `jobplane gateway` (webhook delivery) and without
 * the agent: each measured phase runs on processes of its own, so stopping
 * them at its end flushes their backends' transaction counts
 * (pg_stat_database is only exact once the sessions have exited).
 * The control plane always runs with an admin token and
 * JOBPLANE_WEBHOOK_ALLOW_PRIVATE=1 (neither touches the job path), so that a
 * gateway can deliver to the bench's loopback receiver.
 *
 * One deliberate change to the product's data: a `bench` plan with a huge
 * rate limit and concurrency cap (the seeded pro plan allows 300 requests a
 * minute and 25 concurrent jobs, which would measure the plan, not the
 * system), allowed to run test.echo.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import pg from "pg";
import { runJobplane, startJobplane, type RunningProcess } from "../support/processes.js";

export const BENCH_PLAN = {
  name: "bench",
  requestsPerMinute: 60_000_000,
  maxConcurrentJobs: 1_000_000,
};

export interface BenchStackOptions {
  /** A URL of the PostgreSQL server (any database on it); the bench makes its own. */
  readonly serverUrl: string;
  readonly natsUrl: string;
  /** Credits the bench org gets (test.echo costs 1). */
  readonly credits: number;
  /** Agent slots (`--slots`). */
  readonly slots: number;
  readonly log: (line: string) => void;
  /** Write each process's output to <logPrefix>-<name>.log when it stops (profiling). */
  readonly logPrefix?: string;
  /**
   * Have PostgreSQL log every statement on the bench database with its
   * duration (log_min_duration_statement = 0, in the server's log): profiling.
   */
  readonly logStatements?: boolean;
}

/** Which processes a phase runs (the control plane always). */
export interface ProcessSet {
  readonly agent: boolean;
  readonly gateway: boolean;
  /** Extra environment of the gateway (GATEWAY_WEBHOOK_*). */
  readonly gatewayEnv?: Record<string, string>;
}

export interface BenchProcesses {
  readonly controlPlaneUrl: string;
  /** Set when the set has a gateway. */
  readonly gatewayUrl: string | undefined;
  /** Process ids, for CPU accounting. */
  readonly pids: { readonly controlPlane: number | undefined; readonly agent?: number; readonly gateway?: number };
}

export interface BenchStack {
  readonly databaseName: string;
  readonly databaseUrl: string;
  readonly natsPrefix: string;
  /** Stream names of this run start with it (natsNames upper-cases the prefix). */
  readonly streamPrefix: string;
  /** The bench's own NATS connection (baselines). */
  readonly nc: NatsConnection;
  /** Of the processes running now (see startProcesses). */
  readonly controlPlaneUrl: string;
  readonly apiKey: string;
  readonly orgId: string;
  /** Of the processes running now. */
  readonly pids: BenchProcesses["pids"];
  /** xact_commit + xact_rollback of the bench database, as pg_stat_database has it now. */
  transactions(): Promise<number>;
  /** A query on the bench database (its own short-lived connection). */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops the running processes (SIGTERM; gateway, agent, then control plane) and starts `set`. */
  startProcesses(set: ProcessSet): Promise<BenchProcesses>;
  /** Stops the gateway, the agent and the control plane (SIGTERM), in that order. */
  stopProcesses(): Promise<void>;
  /** stopProcesses(), then drops the database and the prefix's streams. Idempotent. */
  cleanup(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Runs `jobplane <args>` and parses its one-line JSON output. */
async function jobplaneJson(args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const result = await runJobplane(args, env);
  if (result.code !== 0) throw new Error(`jobplane ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
async function stopProcess(proc: RunningProcess, graceMs = 15_000): Promise<void> {
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), graceMs);
  try {
    await proc.stop("SIGTERM");
  } finally {
    clearTimeout(timer);
  }
}

/** The control plane's admin token, for the gateway's WebhookDeliveryService calls. */
const ADMIN_TOKEN = `bench-admin-${randomBytes(16).toString("hex")}`;
const WEBHOOK_ENV = { JOBPLANE_WEBHOOK_ALLOW_PRIVATE: "1", JOBPLANE_ADMIN_TOKEN: ADMIN_TOKEN };

/** Bench databases and streams are named after their start time: jobplane_bench_<base-36 ms><6 hex>. */
const STALE_AFTER_MS = 3600_000;
function startedMs(id: string): number {
  return parseInt(id.slice(0, -6), 36);
}

/** Removes what a bench that crashed an hour ago or more left behind. */
async function removeStale(adminUrl: string, nc: NatsConnection, log: (line: string) => void): Promise<void> {
  const cutoff = Date.now() - STALE_AFTER_MS;
  const stale = (id: string) => /^[0-9a-z]+$/i.test(id) && id.length > 6 && startedMs(id) < cutoff;
  await withClient(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>("select datname from pg_database where datname like 'jobplane\\_bench\\_%'");
    for (const { datname } of rows) {
      if (!stale(datname.slice("jobplane_bench_".length))) continue;
      log(`removing stale ${datname}`);
      await c.query(`drop database if exists "${datname}" with (force)`);
    }
  });
  const jsm = await jetstreamManager(nc);
  for await (const name of jsm.streams.names()) {
    const match = /^BENCH_([0-9A-Z]+)_/.exec(name);
    if (match && stale(match[1]!)) await jsm.streams.delete(name).catch(() => undefined);
  }
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const { log } = options;
  const id = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const databaseName = `jobplane_bench_${id}`;
  const databaseUrl = withDatabase(options.serverUrl, databaseName);
  const adminUrl = withDatabase(options.serverUrl, "postgres");
  const natsPrefix = `bench_${id}`;
  const streamPrefix = `${natsPrefix.toUpperCase()}_`;
  const processes: { name: string; proc: RunningProcess }[] = [];
  const nc = await connect({ servers: options.natsUrl, name: `jobplane-bench-${id}` });
  let cleaned: Promise<void> | undefined;

  const stopProcesses = async (): Promise<void> => {
    while (processes.length > 0) {
      const { name, proc } = processes.pop()!;
      await stopProcess(proc);
      if (options.logPrefix) writeFileSync(`${options.logPrefix}-${name}.log`, proc.output());
    }
  };
  const cleanup = (): Promise<void> =>
    (cleaned ??= (async () => {
      await stopProcesses().catch((err: unknown) => log(`stopping processes failed: ${String(err)}`));
      await withClient(adminUrl, (c) => c.query(`drop database if exists "${databaseName}" with (force)`)).catch(
        (err: unknown) => log(`dropping ${databaseName} failed: ${String(err)}`),
      );
      try {
        const jsm = await jetstreamManager(nc);
        const doomed: string[] = [];
        for await (const name of jsm.streams.names()) if (name.startsWith(streamPrefix)) doomed.push(name);
        await Promise.all(doomed.map((name) => jsm.streams.delete(name)));
      } catch (err) {
        log(`deleting streams ${streamPrefix}* failed: ${String(err)}`);
      }
      await nc.close();
    })());

  let current: BenchProcesses | undefined;
  let agentToken = "";
  /** Process sets started so far: the second set's logs are <logPrefix>-<name>-2.log. */
  let generation = 0;
  /** Starts the control plane, then the agent and the gateway as `set` asks (none may be running). */
  const launch = async (set: ProcessSet): Promise<BenchProcesses> => {
    const suffix = ++generation === 1 ? "" : `-${generation}`;
    const common = { NATS_URL: options.natsUrl, JOBPLANE_NATS_PREFIX: natsPrefix };
    const cp = startJobplane(["control-plane"], {
      ...common,
      ...WEBHOOK_ENV,
      DATABASE_URL: databaseUrl,
      CONTROL_PLANE_PORT: "0",
      CONTROL_PLANE_HOST: "127.0.0.1",
    });
    processes.push({ name: `control-plane${suffix}`, proc: cp });
    const controlPlaneUrl = String((await cp.waitForLog((l) => l.msg === "control plane listening", 30_000)).url);
    log(`control plane at ${controlPlaneUrl}`);
    let agentPid: number | undefined;
    if (set.agent) {
      const agent = startJobplane(["agent", "--types", "test.echo", "--slots", String(options.slots)], {
        ...common,
        CONTROL_PLANE_URL: controlPlaneUrl,
        AGENT_TOKEN: agentToken,
        AGENT_OPS_PORT: "0",
      });
      processes.push({ name: `agent${suffix}`, proc: agent });
      await agent.waitForLog((l) => l.msg === "agent ready", 30_000);
      agentPid = agent.child.pid;
      log(`agent ready (${options.slots} slots)`);
    }
    let gatewayUrl: string | undefined;
    let gatewayPid: number | undefined;
    if (set.gateway) {
      const gateway = startJobplane(["gateway"], {
        ...common,
        ...WEBHOOK_ENV,
        ...set.gatewayEnv,
        GATEWAY_PORT: "0",
        GATEWAY_HOST: "127.0.0.1",
        CONTROL_PLANE_URL: controlPlaneUrl,
      });
      processes.push({ name: `gateway${suffix}`, proc: gateway });
      gatewayUrl = String((await gateway.waitForLog((l) => l.msg === "gateway listening", 30_000)).url);
      gatewayPid = gateway.child.pid;
      log(`gateway at ${gatewayUrl}`);
    }
    return {
      controlPlaneUrl,
      gatewayUrl,
      pids: { controlPlane: cp.child.pid, ...(agentPid ? { agent: agentPid } : {}), ...(gatewayPid ? { gateway: gatewayPid } : {}) },
    };
  };

  try {
    await removeStale(adminUrl, nc, log).catch((err: unknown) => log(`removing stale bench leftovers failed: ${String(err)}`));
    log(`database ${databaseName}, NATS prefix ${natsPrefix}`);
    const dbEnv = { DATABASE_URL: databaseUrl };
    await jobplaneJson(["migrate"], dbEnv);
    await withClient(databaseUrl, async (c) => {
      await c.query(
        `insert into plans (name, requests_per_minute, max_concurrent_jobs, max_input_bytes, max_execution_seconds)
         values ($1, $2, $3, 2147483648, 3600)`,
        [BENCH_PLAN.name, BENCH_PLAN.requestsPerMinute, BENCH_PLAN.maxConcurrentJobs],
      );
      if (options.logStatements) await c.query(`alter database "${databaseName}" set log_min_duration_statement = 0`);
      await c.query("update job_types set allowed_plans = array_append(allowed_plans, $1) where name = 'test.echo'", [
        BENCH_PLAN.name,
      ]);
    });
    const org = await jobplaneJson(
      ["admin", "create-org", "--name", "bench", "--plan", BENCH_PLAN.name, "--credits", String(options.credits)],
      dbEnv,
    );
    const token = await jobplaneJson(["admin", "create-agent-token", "--name", "bench", "--types", "test.echo"], dbEnv);
    agentToken = String(token.token);
    current = await launch({ agent: true, gateway: false });
    return {
      databaseName,
      databaseUrl,
      natsPrefix,
      streamPrefix,
      nc,
      get controlPlaneUrl() {
        return current!.controlPlaneUrl;
      },
      apiKey: String(org.apiKey),
      orgId: String(org.orgId),
      get pids() {
        return current!.pids;
      },
      // Read from the maintenance database, so that reading adds nothing to the count.
      transactions: () =>
        withClient(adminUrl, async (c) => {
          const { rows } = await c.query<{ n: string }>(
            "select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = $1",
            [databaseName],
          );
          return Number(rows[0]?.n ?? 0);
        }),
      query: (sql, params) => withClient(databaseUrl, async (c) => (await c.query(sql, params)).rows),
      async startProcesses(set) {
        await stopProcesses();
        try {
          current = await launch(set);
        } catch (err) {
          const output = processes.map((p) => p.proc.output().slice(-4000)).join("\n---\n");
          await stopProcesses();
          throw new Error(`starting ${JSON.stringify(set)} failed: ${err instanceof Error ? err.message : String(err)}\n${output}`);
        }
        return current;
      },
      stopProcesses,
      cleanup,
    };
  } catch (err) {
    const output = processes.map((p) => p.proc.output().slice(-4000)).join("\n---\n");
    await cleanup();
    throw new Error(`starting the bench stack failed: ${err instanceof Error ? err.message : String(err)}\n${output}`);
  }
}
