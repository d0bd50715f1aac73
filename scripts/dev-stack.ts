/**
 * `npm start`: the whole stack on this machine, on the embedded defaults.
 *
 * - PostgreSQL: DATABASE_URL, else the server on 127.0.0.1:5432 if one
 *   answers (database "jobplane"), else an embedded PostgreSQL kept in
 *   .jobplane/postgres.
 * - NATS: NATS_URL, else the server on 127.0.0.1:4222 if one answers, else a
 *   nats-server (JetStream, data in .jobplane/nats) started on a free port.
 * - Migrations applied; a demo org with credits and an API key, and an agent
 *   token (kept in .jobplane/dev.json and reused while that database has them).
 * - The control plane, the gateway and one agent, each its own process.
 * - The demo, through the gateway's REST API as a user meets it first: a
 *   webhook endpoint registered for a tiny receiver on 127.0.0.1 (this
 *   process), one test.echo job submitted with POST /jobs and followed to
 *   complete, and each of its webhooks (job.created … job.completed) verified
 *   with `standardwebhooks`. The endpoint is deleted right after the demo, in
 *   both modes, and the receiver closed: nothing is left pointing at a port
 *   that dies with this process.
 * - The URLs and the key are printed and written to .jobplane/dev.json.
 *
 * `--smoke` brings everything up, runs the demo job, and shuts down again
 * (exit 0 when the job completed and every webhook arrived verified): what the
 * end-to-end test of this command runs.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ensureDemoCredentials, runDemo, type DemoCredentials, type DemoResult } from "./dev-stack/demo.js";
import { createStack, log, ROOT, runJobplane } from "./dev-stack/processes.js";
import { resolveDatabase, resolveNats } from "./dev-stack/services.js";
import { startDemoReceiver } from "./dev-stack/webhook-receiver.js";

// JOBPLANE_STATE_DIR lets tests keep their dev.json away from the developer's.
const stateDir = process.env.JOBPLANE_STATE_DIR || path.join(ROOT, ".jobplane");
const devJsonPath = path.join(stateDir, "dev.json");
const smoke = process.argv.includes("--smoke");
const stack = createStack();
/** How long the demo waits for its webhooks once the job has completed. */
const WEBHOOK_DEADLINE_MS = 15_000;

interface DevJson extends Partial<DemoCredentials> {
  gatewayUrl?: string;
  controlPlaneUrl?: string;
  databaseUrl?: string;
  natsUrl?: string;
  adminToken?: string;
}

async function readSaved(): Promise<DevJson> {
  try {
    return JSON.parse(await readFile(devJsonPath, "utf8")) as DevJson;
  } catch {
    return {};
  }
}

/** Why the demo's webhooks count as failed; undefined when they did not (or the job itself failed, which says more). */
function demoWebhookProblem({ job, webhooks, missing }: DemoResult): string | undefined {
  if (job.status !== "complete") return undefined;
  if (missing.length > 0) {
    return `no verified webhook ${missing.join(", ")} for job ${job.id} within ${WEBHOOK_DEADLINE_MS / 1000} s of its completion (see the gateway's log above)`;
  }
  if (webhooks.some((w) => !w.verified)) return "a delivery failed standardwebhooks verification";
  return undefined;
}

async function main(): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const saved = await readSaved();
  const databaseUrl = await resolveDatabase(stateDir, stack);
  const natsUrl = await resolveNats(stateDir, stack);
  const adminToken = process.env.JOBPLANE_ADMIN_TOKEN || saved.adminToken || randomBytes(24).toString("base64url");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    // The gateway needs the admin token to deliver webhooks at all.
    JOBPLANE_ADMIN_TOKEN: adminToken,
    // A development stack: the demo's webhook receiver is on loopback, which the
    // control plane (when registering) and the gateway (when connecting) refuse
    // without this. Never set it where endpoints come from untrusted users.
    JOBPLANE_WEBHOOK_ALLOW_PRIVATE: "1",
  };

  const migrated = JSON.parse(await runJobplane(["migrate"], env)) as { applied: string[] };
  log(`database ready (${migrated.applied.length} migration(s) applied)`);
  const demo = await ensureDemoCredentials(env, saved.databaseUrl === databaseUrl ? saved : {});

  const port = process.env.CONTROL_PLANE_PORT ?? "7070";
  const listening = await stack.start("control-plane", ["control-plane"], { ...env, CONTROL_PLANE_PORT: port }, (l) => l.msg === "control plane listening");
  const controlPlaneUrl = String(listening.url);
  await stack.start(
    "agent",
    ["agent", "--types", "test.echo,test.sleep,test.fail", "--slots", "4"],
    { ...env, CONTROL_PLANE_URL: controlPlaneUrl, AGENT_TOKEN: demo.agentToken },
    (l) => l.msg === "agent ready",
  );

  const gateway = await stack.start(
    "gateway",
    ["gateway"],
    { ...env, CONTROL_PLANE_URL: controlPlaneUrl, GATEWAY_PORT: process.env.GATEWAY_PORT ?? "8080" },
    (l) => l.msg === "gateway listening",
  );
  const gatewayUrl = String(gateway.url);

  const dev: DevJson = { gatewayUrl, controlPlaneUrl, apiKey: demo.apiKey, orgId: demo.orgId, agentToken: demo.agentToken, databaseUrl, natsUrl, adminToken };
  await writeFile(devJsonPath, `${JSON.stringify(dev, null, 2)}\n`, { mode: 0o600 });

  const receiver = await startDemoReceiver();
  stack.onStop(() => receiver.close());
  log(`demo webhook receiver ${receiver.url}; submitting a test.echo job with POST ${gatewayUrl}/jobs`);
  const result = await runDemo(gatewayUrl, demo.apiKey, receiver, { jobTimeoutMs: 60_000, webhookTimeoutMs: WEBHOOK_DEADLINE_MS });
  await receiver.close();
  const { job } = result;
  log(`demo job ${job.id}: ${job.status}, output ${JSON.stringify(job.output)}, charged ${job.cost} credit(s)`);
  for (const w of result.webhooks) {
    log(`webhook ${w.type || "(no type)"} ${w.webhookId || "(no webhook-id)"} ${w.verified ? "verified" : `NOT verified: ${w.error}`}`);
  }
  const webhookProblem = demoWebhookProblem(result);
  if (webhookProblem) log(`WEBHOOKS FAILED: ${webhookProblem}`);
  if (result.cleanupError) log(`could not delete the demo webhook endpoint: ${result.cleanupError}`);
  else log("demo webhook endpoint deleted");
  log("");
  log(`gateway        ${gatewayUrl}   (REST, /openapi.json, SSE, WebSocket /v1/realtime)`);
  log(`control plane  ${controlPlaneUrl}   (Connect, gRPC, gRPC-Web; /healthz, /metrics)`);
  log(`API key        ${demo.apiKey}   (org ${demo.orgId})`);
  log(`database       ${databaseUrl.replace(/:[^:@/]+@/, ":***@")}`);
  log(`NATS           ${natsUrl}`);
  log("written to .jobplane/dev.json; try:");
  log(`  curl -H "Authorization: Bearer ${demo.apiKey}" -H 'Content-Type: application/json' -d '{"type":"test.echo","params":{"hi":1}}' ${gatewayUrl}/jobs`);
  log(
    `  curl -H "Authorization: Bearer ${demo.apiKey}" -H 'Content-Type: application/json' ` +
      `-d '{"url":"https://example.com/hooks","events":["job.completed"]}' ${gatewayUrl}/webhooks/endpoints`,
  );
  log(`  npx buf curl --http2-prior-knowledge --list-methods ${controlPlaneUrl}`);
  log(
    `  npx buf curl --protocol grpc --http2-prior-knowledge -H "Authorization: Bearer ${demo.apiKey}" ` +
      `-d '{"type":"test.echo","params":{"hello":"world"}}' ${controlPlaneUrl}/jobplane.v1.JobService/SubmitJob`,
  );
  if (job.status !== "complete") throw new Error(`the demo job ended ${job.status}`);
  if (webhookProblem) throw new Error(`the demo's webhooks failed: ${webhookProblem}`);
  if (smoke) {
    log("smoke run passed; stopping");
    await stack.stop(0);
  }
  log("running; Ctrl-C stops everything");
}

process.on("SIGINT", () => void stack.stop(0));
process.on("SIGTERM", () => void stack.stop(0));
main().catch(async (err: unknown) => {
  process.stderr.write(`[jobplane] ${(err as Error).stack ?? String(err)}\n`);
  await stack.stop(1);
});
