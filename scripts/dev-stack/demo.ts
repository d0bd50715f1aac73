/**
 * The demo tenant of `npm start` and its first real job. Credentials are kept
 * in .jobplane/dev.json and reused while the database still knows them, so
 * restarting the stack does not pile up orgs.
 */
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import pg from "pg";
import { JobStatus } from "../../proto/gen/jobplane/v1/job_pb.js";
import { JobService } from "../../proto/gen/jobplane/v1/job_service_pb.js";
import { hashSecret } from "../../control-plane/src/domain/api-key-format.js";
import { runJobplane } from "./processes.js";

export interface DemoCredentials {
  readonly orgId: string;
  readonly apiKey: string;
  readonly agentToken: string;
}

async function stillValid(databaseUrl: string, saved: Partial<DemoCredentials>): Promise<boolean> {
  if (!saved.apiKey || !saved.agentToken || !saved.orgId) return false;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const key = await client.query("select 1 from api_keys where hash = $1 and revoked_at is null", [hashSecret(saved.apiKey)]);
    const agent = await client.query("select 1 from agents where token_hash = $1", [hashSecret(saved.agentToken)]);
    return key.rowCount === 1 && agent.rowCount === 1;
  } finally {
    await client.end();
  }
}

export async function ensureDemoCredentials(env: NodeJS.ProcessEnv, saved: Partial<DemoCredentials>): Promise<DemoCredentials> {
  if (await stillValid(env.DATABASE_URL!, saved)) return saved as DemoCredentials;
  const org = JSON.parse(await runJobplane(["admin", "create-org", "--name", "demo", "--plan", "pro", "--credits", "10000"], env)) as {
    orgId: string;
    apiKey: string;
  };
  const agent = JSON.parse(await runJobplane(["admin", "create-agent-token", "--name", "dev-agent"], env)) as { token: string };
  return { orgId: org.orgId, apiKey: org.apiKey, agentToken: agent.token };
}

/** Submits one test.echo job over Connect (gRPC, h2c) and follows it to its end. */
export async function runDemoJob(controlPlaneUrl: string, apiKey: string, timeoutMs: number) {
  const sessionManager = new Http2SessionManager(controlPlaneUrl);
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${apiKey}`);
    return next(req);
  };
  const jobs = createClient(JobService, createGrpcTransport({ baseUrl: controlPlaneUrl, sessionManager, interceptors: [auth] }));
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const { job } = await jobs.submitJob({ type: "test.echo", params: { hello: "jobplane" } }, { signal });
    let last = job!;
    for await (const { event } of jobs.watchJob({ id: last.id }, { signal })) {
      if (event?.job) last = event.job;
    }
    return { id: last.id, status: JobStatus[last.status], output: last.output?.data, cost: Number(last.cost?.actualCredits ?? 0) };
  } finally {
    sessionManager.abort();
  }
}
