/**
 * Integration-test kit for the user-facing Connect API (JobService,
 * BillingService, UpsertJobType): a fresh migrated database and an
 * in-process control plane per test, callers with API keys on a plan, and
 * helpers that drive a job through states the API cannot reach yet
 * (RUNNING, FAILED) straight through the JobStore, as an agent would.
 */
import { ConnectError } from "@connectrpc/connect";
import { afterEach, beforeEach } from "vitest";
import { ErrorCode, ErrorDetailSchema, type ErrorDetail } from "../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase, JobStatus } from "../../proto/gen/jobplane/v1/job_pb.js";
import { createPgJobStore } from "../../control-plane/src/adapters/postgres/pg-job-store.js";
import type { Orm } from "../../control-plane/src/adapters/postgres/orm.js";
import { startTestControlPlane, type TestControlPlane } from "./control-plane.js";
import { seedAgent, seedApiKey, seedOrg } from "./db-fixtures.js";
import { useTestDatabase, type TestDatabaseHandle } from "./test-database.js";

export interface JobApiHarness {
  readonly db: TestDatabaseHandle;
  /** The current test's control plane. */
  readonly cp: TestControlPlane;
}

export interface UseJobApiOptions {
  /** Connections of both the test's ORM and the control plane's (default 10). */
  readonly poolSize?: number;
}

/** Per test: a database (its ledger audited afterwards) and a control plane on it. */
export function useJobApi(options: UseJobApiOptions = {}): JobApiHarness {
  const db = useTestDatabase({ poolSize: options.poolSize ?? 10 });
  let cp: TestControlPlane | undefined;
  beforeEach(async () => {
    cp = await startTestControlPlane({ databaseUrl: db.url, poolSize: options.poolSize ?? 10 });
  });
  // Registered after useTestDatabase's hook, so it runs first: the server closes before the database is dropped.
  afterEach(async () => {
    await cp?.close();
    cp = undefined;
  });
  return {
    db,
    get cp() {
      if (!cp) throw new Error("useJobApi(): no control plane outside a test");
      return cp;
    },
  };
}

export interface CallerOptions {
  readonly plan?: "free" | "pro";
  readonly credits?: number;
  readonly scopes?: readonly string[];
  readonly testMode?: boolean;
}

export interface Caller {
  readonly orgId: string;
  /** The API key secret, for `Authorization: Bearer`. */
  readonly key: string;
}

/** A new org on `plan` with `credits` and one API key (every scope unless told). */
export async function seedCaller(orm: Orm, options: CallerOptions = {}): Promise<Caller> {
  const orgId = await seedOrg(orm, { plan: options.plan ?? "pro", credits: options.credits ?? 0 });
  const { secret } = await seedApiKey(orm, orgId, {
    ...(options.scopes ? { scopes: options.scopes } : {}),
    ...(options.testMode ? { testMode: true } : {}),
  });
  return { orgId, key: secret };
}

/**
 * The ErrorDetail of the ConnectError `call` rejects with; fails the test if
 * it resolves. Every jobplane error carries exactly one.
 */
export async function rejection(call: Promise<unknown>): Promise<{ error: ConnectError; detail: ErrorDetail }> {
  const outcome = await call.then(
    (value) => ({ resolved: value }),
    (err: unknown) => ({ rejected: err }),
  );
  if ("resolved" in outcome) throw new Error(`expected the call to fail, it returned ${JSON.stringify(outcome.resolved, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
  const error = ConnectError.from(outcome.rejected);
  const [detail] = error.findDetails(ErrorDetailSchema);
  if (detail === undefined) throw new Error(`no ErrorDetail on ${error.message}`);
  return { error, detail };
}

/** The jobplane ErrorCode `call` fails with. */
export async function errorCodeOf(call: Promise<unknown>): Promise<ErrorCode> {
  return (await rejection(call)).detail.code;
}

/** WAITING → DISPATCHED → RUNNING (attempt `attempt`), claimed by a fresh agent. */
export async function driveToRunning(orm: Orm, jobId: string, type: string, attempt = 1): Promise<void> {
  const store = createPgJobStore(orm);
  const agentId = await seedAgent(orm, [type]);
  await store.applyEvent(jobId, { status: JobStatus.WAITING, attempt }, { kind: "published" });
  await store.applyEvent(jobId, { status: JobStatus.DISPATCHED, attempt }, { kind: "claimed", agentId });
}

/** WAITING → … → RUNNING → FAILED with PROVIDER_ERROR, as an agent reporting a failure would. */
export async function driveToFailed(orm: Orm, jobId: string, type: string, attempt = 1): Promise<void> {
  await driveToRunning(orm, jobId, type, attempt);
  await createPgJobStore(orm).applyEvent(
    jobId,
    { status: JobStatus.RUNNING, attempt },
    {
      kind: "failed",
      reason: { code: ErrorCode.PROVIDER_ERROR, message: "handler crashed", detail: "stderr tail", phase: JobPhase.PROCESS },
    },
  );
}

/** The org's ledger rows for one job, oldest first, as [kind, amount, attempt]. */
export async function jobLedger(orm: Orm, jobId: string): Promise<[string, number, number][]> {
  const rows = await orm.em
    .fork()
    .execute<{ kind: string; amount: string; attempt: number }[]>(
      "select kind, amount::text as amount, attempt from credit_ledger where job_id = ? order by id",
      [jobId],
    );
  return rows.map((r) => [r.kind, Number(r.amount), r.attempt]);
}
