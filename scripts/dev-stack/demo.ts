/**
 * The demo tenant of `npm start` and its first real job, submitted over REST
 * with a webhook endpoint watching it. Credentials are kept
 * in .jobplane/dev.json and reused while the database still knows them, so
 * restarting the stack does not pile up orgs.
 */
import pg from "pg";
import { hashSecret } from "../../control-plane/src/domain/api-key-format.js";
import { runJobplane } from "./processes.js";
import type { DemoDelivery, DemoReceiver } from "./webhook-receiver.js";

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
    // A key made before webhooks existed lacks webhooks:write: the demo needs a new one then.
    const key = await client.query("select 1 from api_keys where hash = $1 and revoked_at is null and 'webhooks:write' = any(scopes)", [
      hashSecret(saved.apiKey),
    ]);
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

/** The events the demo endpoint subscribes to: a successful job's whole life. */
export const DEMO_EVENTS = ["job.created", "job.dispatched", "job.started", "job.completed"] as const;
/** Marks the demo's endpoints, so a run can remove what a killed run left behind. */
const DEMO_ENDPOINT_DESCRIPTION = "npm start demo receiver";

export interface DemoResult {
  readonly job: { id: string; status: string; output: unknown; cost: number };
  /** What the receiver got for this job (and any unverifiable POST), in arrival order. */
  readonly webhooks: readonly DemoDelivery[];
  /** DEMO_EVENTS that had not arrived, verified, by the webhook deadline. */
  readonly missing: readonly string[];
  /** Set when the demo endpoint could not be deleted afterwards. */
  readonly cleanupError?: string;
}

/** A small REST client on the demo key: throws on any non-2xx with the gateway's error envelope. */
function restClient(gatewayUrl: string, apiKey: string) {
  return async (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<any> => {
    const res = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return text === "" ? undefined : JSON.parse(text);
  };
}

/**
 * The path a user meets first, through the gateway's REST API with the demo
 * key: register `receiver` as a webhook endpoint, submit one test.echo job
 * (POST /jobs), follow it over SSE until the gateway closes the stream after
 * the terminal event, read the final job, then wait up to `webhookTimeoutMs`
 * for every DEMO_EVENTS delivery of that job. The endpoint is deleted again
 * whatever happened (its receiver lives only as long as this process), after
 * first removing any demo endpoint an earlier, killed run left behind.
 */
export async function runDemo(
  gatewayUrl: string,
  apiKey: string,
  receiver: DemoReceiver,
  { jobTimeoutMs, webhookTimeoutMs }: { jobTimeoutMs: number; webhookTimeoutMs: number },
): Promise<DemoResult> {
  const rest = restClient(gatewayUrl, apiKey);
  const { data: existing } = (await rest("GET", "/webhooks/endpoints")) as { data: { id: string; description: string }[] };
  for (const stale of existing.filter((e) => e.description === DEMO_ENDPOINT_DESCRIPTION)) {
    await rest("DELETE", `/webhooks/endpoints/${stale.id}`);
  }

  const { data: endpoint } = (await rest("POST", "/webhooks/endpoints", {
    url: receiver.url,
    events: DEMO_EVENTS,
    description: DEMO_ENDPOINT_DESCRIPTION,
  })) as { data: { id: string; secret: string } };
  receiver.secret = endpoint.secret;
  let result: Omit<DemoResult, "cleanupError">;
  try {
    const signal = AbortSignal.timeout(jobTimeoutMs);
    const { data: submitted } = (await rest("POST", "/jobs", { type: "test.echo", params: { hello: "jobplane" } }, signal)) as { data: { id: string } };
    const events = await fetch(`${gatewayUrl}/jobs/${submitted.id}/events`, {
      headers: { authorization: `Bearer ${apiKey}`, accept: "text/event-stream" },
      signal,
    });
    if (!events.ok) throw new Error(`GET /jobs/${submitted.id}/events answered ${events.status}: ${await events.text()}`);
    await events.text(); // the gateway ends the stream after the job's terminal event
    const { data: job } = (await rest("GET", `/jobs/${submitted.id}`, undefined, signal)) as {
      data: { id: string; status: string; output: { data: unknown } | null; cost: { actual: number } };
    };

    const mine = (ds: readonly DemoDelivery[]) => ds.filter((d) => d.jobId === job.id || !d.verified);
    const arrived = (ds: readonly DemoDelivery[]) => new Set(mine(ds).filter((d) => d.verified).map((d) => d.type));
    if (job.status === "complete") await receiver.waitFor((ds) => DEMO_EVENTS.every((t) => arrived(ds).has(t)), webhookTimeoutMs);
    const got = arrived(receiver.deliveries);
    result = {
      job: { id: job.id, status: job.status, output: job.output?.data ?? null, cost: job.cost.actual },
      webhooks: mine(receiver.deliveries),
      missing: DEMO_EVENTS.filter((t) => !got.has(t)),
    };
  } catch (err) {
    await rest("DELETE", `/webhooks/endpoints/${endpoint.id}`).catch(() => {});
    throw err;
  }
  try {
    await rest("DELETE", `/webhooks/endpoints/${endpoint.id}`);
    return result;
  } catch (err) {
    return { ...result, cleanupError: (err as Error).message };
  }
}
