/**
 * The per-test world of the AgentService integration tests
 * (control-plane/src/adapters/rpc/agent-service-*.int.test.ts): a database,
 * a NATS prefix, a clock the test moves by hand, and helpers to start
 * control-plane instances (agent-service-server.ts), open sessions on them
 * (agent-session-driver.ts), seed an org with the priced "agent.echo" type
 * and agents with tokens (agent-fixtures.ts). Every server and session a test
 * opens is closed after it, before its database is dropped.
 *
 * Call useAgentServiceHarness() once inside the file's describe block: it
 * registers the beforeEach/afterEach hooks.
 */
import { afterEach, beforeEach } from "vitest";
import type { SessionResponse } from "../../proto/gen/jobplane/v1/agent_service_pb.js";
import { createPgCreditLedger } from "../../control-plane/src/adapters/postgres/pg-credit-ledger.js";
import { createPgJobStore } from "../../control-plane/src/adapters/postgres/pg-job-store.js";
import type { JobRecord } from "../../control-plane/src/adapters/postgres/job-record.js";
import { seedAgentWithToken, submitPriced } from "./agent-fixtures.js";
import { startAgentServiceServer, type AgentServiceServer } from "./agent-service-server.js";
import { as, AgentSessionDriver } from "./agent-session-driver.js";
import { seedJobType, seedOrg } from "./db-fixtures.js";
import { useTestDatabase, type TestDatabaseHandle } from "./test-database.js";
import { createTestNats, type TestNats } from "./test-nats.js";

/** The pricing of the "agent.echo" type setup() seeds. */
export const ECHO_PRICE = { baseCredits: 2, creditsPerSecond: 3, maxExecutionSeconds: 100 };
/** estimateCost(ECHO_PRICE): what a live agent.echo job holds. */
export const ECHO_HOLD = 302;

const START_MS = Date.parse("2030-01-01T00:00:00Z");

export interface SetupOptions {
  readonly credits?: number;
  readonly testMode?: boolean;
}

export interface SubmitExtra {
  readonly testMode?: boolean;
  readonly inputs?: JobRecord["inputs"];
  readonly params?: Record<string, unknown>;
}

export interface AgentServiceHarness {
  readonly db: TestDatabaseHandle;
  /** The servers' clock: reset to 2030-01-01T00:00:00Z before each test; a test moves it by assigning nowMs. */
  readonly time: { nowMs: number };
  /** A new control-plane instance on the test's database and NATS prefix. */
  server(): Promise<AgentServiceServer>;
  /** Opens a Session on `s` with `token`. */
  open(s: AgentServiceServer, token: string): AgentSessionDriver;
  /** An org (10 000 credits unless told) and the priced "agent.echo" type; submit() holds the estimate. */
  setup(options?: SetupOptions): ReturnType<typeof setupWorld>;
  /** An agent with an open, ready session (a heartbeat round trip proves it is subscribed). */
  agentSession(s: AgentServiceServer, types?: string[]): Promise<{ agentId: string; token: string; session: AgentSessionDriver }>;
  /** ClaimJob for the job's current attempt, as a first delivery. */
  claim(session: AgentSessionDriver, job: JobRecord): Promise<SessionResponse>;
}

async function setupWorld(db: TestDatabaseHandle, options: SetupOptions) {
  const orgId = await seedOrg(db.orm, { credits: options.credits ?? 10_000 });
  const type = await seedJobType(db.orm, { name: "agent.echo", ...ECHO_PRICE });
  const store = createPgJobStore(db.orm);
  const submit = (extra: SubmitExtra = {}) => submitPriced(store, { orgId, type, price: ECHO_PRICE, testMode: options.testMode, ...extra });
  return { orgId, type, store, ledger: createPgCreditLedger(db.orm), submit };
}

export function useAgentServiceHarness(): AgentServiceHarness {
  // 30 connections: 20 truly simultaneous claims plus the test's own reads.
  const db = useTestDatabase({ poolSize: 30 });
  let nats: TestNats;
  const servers: AgentServiceServer[] = [];
  const drivers: AgentSessionDriver[] = [];
  const time = { nowMs: START_MS };
  const clock = () => new Date(time.nowMs);

  beforeEach(async () => {
    nats = await createTestNats();
    time.nowMs = START_MS;
  });

  // Registered after useTestDatabase()'s, so it runs before the database is dropped.
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close().catch(() => {})));
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await nats.cleanup();
  });

  async function server(): Promise<AgentServiceServer> {
    const s = await startAgentServiceServer({ orm: db.orm, natsPrefix: nats.prefix, clock });
    servers.push(s);
    return s;
  }

  function open(s: AgentServiceServer, token: string): AgentSessionDriver {
    const d = new AgentSessionDriver(s.client(token));
    drivers.push(d);
    return d;
  }

  async function agentSession(s: AgentServiceServer, types = ["agent.echo"]) {
    const agent = await seedAgentWithToken(db.orm, types);
    const session = open(s, agent.token);
    as(await session.request({ case: "heartbeat", value: { running: [] } }), "ack");
    return { ...agent, session };
  }

  async function claim(session: AgentSessionDriver, job: JobRecord) {
    return session.request({ case: "claim", value: { jobId: job.id, attempt: job.attempt, deliveryCount: 1 } });
  }

  return { db, time, server, open, setup: (options = {}) => setupWorld(db, options), agentSession, claim };
}
