/**
 * The whole lifecycle as real processes, for the end-to-end tests: a fresh
 * migrated database and NATS prefix, two `jobplane control-plane` processes
 * on them (short sweep / heartbeat / backoff timings), an org created with
 * `jobplane admin`, and agents started on demand (`jobplane agent`, each with
 * its own agent token, each connected to one of the control planes).
 * `close()` kills every process, drops the database and deletes the streams.
 */
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, expect } from "vitest";
import { checkLedgerInvariants } from "../../control-plane/src/adapters/postgres/ledger-invariants.js";
import { startJobplane, stopAll, runJobplane, type RunningProcess } from "./processes.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { createTestNats, type TestNats } from "./test-nats.js";

export const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";

/** Timings every control plane of the stack runs with (ms). */
export const TIMINGS = {
  sweepIntervalMs: 500,
  heartbeatIntervalMs: 200,
  heartbeatTimeoutMs: 1500,
  dispatchBackoffMs: [100, 200, 400],
} as const;

export interface StackAgent {
  readonly process: RunningProcess;
  readonly agentId: string;
  /** Index of the control plane it talks to. */
  readonly cp: number;
}

export interface AgentOptions {
  readonly types: readonly string[];
  readonly slots?: number;
  /** Which control plane (0 or 1) its CONTROL_PLANE_URL names. */
  readonly cp?: number;
  readonly graceMs?: number;
}

export interface LifecycleStack {
  readonly db: TestDatabase;
  readonly nats: TestNats;
  /** The two `jobplane control-plane` processes. */
  readonly cps: readonly RunningProcess[];
  readonly cpUrls: readonly string[];
  readonly orgId: string;
  /** API keys of the org (the first from create-org). */
  readonly apiKeys: string[];
  readonly agents: StackAgent[];
  startAgent(options: AgentOptions): Promise<StackAgent>;
  /** Another API key of the org (each key has its own rate limit). */
  addApiKey(): Promise<string>;
  client<S extends DescService>(service: S, cp: number, bearer: string): Client<S>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

async function admin(databaseUrl: string, args: string[]): Promise<Record<string, string>> {
  const result = await runJobplane(["admin", ...args], { DATABASE_URL: databaseUrl });
  if (result.code !== 0) throw new Error(`jobplane admin ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, string>;
}

export async function startLifecycleStack(options: { credits?: number } = {}): Promise<LifecycleStack> {
  const db = await createTestDatabase();
  const nats = await createTestNats();
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  const sessions: Http2SessionManager[] = [];
  const shared = { DATABASE_URL: db.url, NATS_URL: nats.url, JOBPLANE_NATS_PREFIX: nats.prefix };
  const cpEnv = {
    ...shared,
    CONTROL_PLANE_PORT: "0",
    CONTROL_PLANE_HOST: "127.0.0.1",
    JOBPLANE_ADMIN_TOKEN: ADMIN_TOKEN,
    JOBPLANE_SWEEP_INTERVAL_MS: String(TIMINGS.sweepIntervalMs),
    JOBPLANE_HEARTBEAT_INTERVAL_MS: String(TIMINGS.heartbeatIntervalMs),
    JOBPLANE_HEARTBEAT_TIMEOUT_MS: String(TIMINGS.heartbeatTimeoutMs),
    JOBPLANE_DISPATCH_BACKOFF_MS: TIMINGS.dispatchBackoffMs.join(","),
    JOBPLANE_SEQUENCER_INTERVAL_MS: "200",
    JOBPLANE_SHUTDOWN_GRACE_MS: "1000",
  };
  let agentCount = 0;
  const processes: { name: string; process: RunningProcess }[] = [];
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      for (const s of sessions) s.abort();
      try {
        // JOBPLANE_E2E_LOG_DIR=dir keeps every process's output, for debugging.
        const logDir = globalThis.process.env.JOBPLANE_E2E_LOG_DIR;
        if (logDir) {
          await mkdir(logDir, { recursive: true });
          for (const p of processes) await writeFile(path.join(logDir, `${db.name}-${p.name}.log`), p.process.output());
        }
      } finally {
        await stopAll();
        await pool.end().catch(() => undefined);
        try {
          await nats.cleanup();
        } finally {
          await db.drop();
        }
      }
    })());
  try {
    const cps = [0, 1].map((i) => {
      const cp = startJobplane(["control-plane"], cpEnv);
      processes.push({ name: `cp${i}`, process: cp });
      return cp;
    });
    const newToken = async () => (await admin(db.url, ["create-agent-token", "--name", `e2e-agent-${++agentCount}`])).token!;
    const [listening, org, ...tokens] = await Promise.all([
      Promise.all(cps.map((cp) => cp.waitForLog((l) => l.msg === "control plane listening", 30_000))),
      admin(db.url, ["create-org", "--name", "e2e", "--plan", "pro", "--credits", String(options.credits ?? 100_000)]),
      // The tokens of the two agents most tests start.
      newToken(),
      newToken(),
    ]);
    const cpUrls = listening.map((l) => String(l.url));
    const stack: LifecycleStack = {
      db,
      nats,
      cps,
      cpUrls,
      orgId: org.orgId!,
      apiKeys: [org.apiKey!],
      agents: [],
      async startAgent(agent) {
        const cp = agent.cp ?? 0;
        const token = tokens.shift() ?? (await newToken());
        const process = startJobplane(["agent", "--types", agent.types.join(","), "--slots", String(agent.slots ?? 4)], {
          ...shared,
          CONTROL_PLANE_URL: cpUrls[cp],
          AGENT_TOKEN: token,
          AGENT_OPS_PORT: "0", // many agents on one host: each its own ops port
          ...(agent.graceMs !== undefined ? { JOBPLANE_AGENT_GRACE_MS: String(agent.graceMs) } : {}),
        });
        processes.push({ name: `agent-${processes.length - 2}`, process });
        const ready = await process.waitForLog((l) => l.msg === "agent ready", 30_000);
        const started = { process, agentId: String(ready.agentId), cp };
        stack.agents.push(started);
        return started;
      },
      async addApiKey() {
        const { apiKey } = await admin(db.url, ["create-key", "--org", stack.orgId]);
        stack.apiKeys.push(apiKey!);
        return apiKey!;
      },
      client(service, cp, bearer) {
        const auth: Interceptor = (next) => (req) => {
          req.header.set("authorization", `Bearer ${bearer}`);
          return next(req);
        };
        const sessionManager = new Http2SessionManager(cpUrls[cp]!);
        sessions.push(sessionManager);
        return createClient(service, createGrpcTransport({ baseUrl: cpUrls[cp]!, sessionManager, interceptors: [auth] }));
      },
      async query(sql, params = []) {
        return (await pool.query(sql, params)).rows;
      },
      close,
    };
    return stack;
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/**
 * Per test: a fresh stack, and afterwards its books audited (credit
 * invariants, no terminal job holding credits) and everything torn down.
 */
export function useLifecycleStack(options: { credits?: number } = {}): () => LifecycleStack {
  let stack: LifecycleStack | undefined;
  beforeEach(async () => {
    stack = await startLifecycleStack(options);
  });
  afterEach(async () => {
    let violations: string[] = [];
    try {
      if (stack) violations = await auditBooks(stack);
    } finally {
      await stack?.close();
      stack = undefined;
    }
    expect(violations, "credit invariants after the test").toEqual([]);
  });
  return () => {
    if (!stack) throw new Error("useLifecycleStack(): no stack outside a test");
    return stack;
  };
}

export { until } from "./until.js";

export interface JobRow {
  id: string;
  status: string;
  attempt: number;
  agent_id: string | null;
  held_credits: string;
  actual_credits: string | null;
  error: { code: string; message: string; detail: string; retryable: boolean; phase: string } | null;
  output: { data?: unknown; files?: unknown[] } | null;
  params: unknown;
}

export async function jobRow(stack: LifecycleStack, id: string): Promise<JobRow> {
  const [row] = await stack.query<JobRow>("select * from jobs where id = $1", [id]);
  if (!row) throw new Error(`job ${id} not found`);
  return row;
}

/** The job's ledger rows, oldest first, as "kind amount". */
export async function jobLedger(stack: LifecycleStack, id: string): Promise<string[]> {
  const rows = await stack.query<{ kind: string; amount: string }>(
    "select kind, amount::text as amount from credit_ledger where job_id = $1 order by id",
    [id],
  );
  return rows.map((r) => `${r.kind} ${r.amount}`);
}

/** Credit invariants (balance == Σ ledger, held == open holds, no terminal job holds credits): [] when they hold. */
export async function auditBooks(stack: LifecycleStack): Promise<string[]> {
  const violations = await checkLedgerInvariants(stack.db.url);
  const holding = await stack.query<{ id: string; status: string }>(
    "select id, status from jobs where status in ('complete', 'failed', 'cancelled') and held_credits <> 0",
  );
  return [...violations, ...holding.map((j) => `terminal job ${j.id} (${j.status}) holds credits`)];
}

/** The job's event types in order, progress left out. */
export async function jobTimeline(stack: LifecycleStack, id: string): Promise<string[]> {
  const rows = await stack.query<{ type: string }>(
    "select type from job_events where job_id = $1 and type <> 'job.progress' order by id",
    [id],
  );
  return rows.map((r) => r.type);
}
