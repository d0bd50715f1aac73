/**
 * The gateway end to end as real processes: a fresh migrated database and
 * NATS prefix, one `jobplane control-plane`, an org made with `jobplane
 * admin`, optionally a `jobplane agent` serving the test types, and
 * `jobplane gateway` in front. Every JSON response a test reads through
 * `api()` is validated against the gateway's own /openapi.json.
 * `close()` kills every process, drops the database and deletes the streams.
 */
import { expect } from "vitest";
import { createResponseValidator, type ResponseValidator } from "../../gateway/src/openapi/response-validator.js";
import { runJobplane, startJobplane, stopAll, type RunningProcess } from "./processes.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { createTestNats, type TestNats } from "./test-nats.js";

export const ADMIN_TOKEN = "e2e-gateway-admin-token-0123456789";
export const TEST_TYPES = ["test.echo", "test.sleep", "test.fail"];

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface ApiOptions {
  readonly key?: string | null;
  readonly body?: unknown;
  /** A raw body (sent as is), for malformed-input tests. */
  readonly raw?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** The route template to validate against, when it differs from the path (e.g. "/jobs/{id}"). */
  readonly template?: string;
}

export interface GatewayStack {
  readonly db: TestDatabase;
  readonly nats: TestNats;
  readonly cpUrl: string;
  /** The gateway in front now (restartGateway() replaces it). */
  readonly gatewayUrl: string;
  readonly gateway: RunningProcess;
  readonly orgId: string;
  readonly apiKey: string;
  readonly validator: ResponseValidator;
  admin(args: string[]): Promise<Record<string, any>>;
  /** Creates another org and returns its id and key. */
  createOrg(plan: string, credits: number): Promise<{ orgId: string; apiKey: string }>;
  startAgent(): Promise<RunningProcess>;
  /** Kills the gateway with `signal` (SIGKILL: a crash) and starts a fresh one with the same settings. */
  restartGateway(signal?: NodeJS.Signals): Promise<void>;
  /** Calls the gateway and validates the response against /openapi.json. */
  api<T = any>(method: string, path: string, options?: ApiOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

/** Which documented template a concrete path belongs to. */
export function templateOf(path: string): string {
  const p = path.split("?")[0]!;
  const rules: [RegExp, string][] = [
    [/^\/jobs\/types\/[^/]+\/schema$/, "/jobs/types/{type}/schema"],
    [/^\/jobs\/types$/, "/jobs/types"],
    [/^\/jobs\/[^/]+\/(cancel|retry|logs|events)$/, "/jobs/{id}/$1"],
    [/^\/jobs\/[^/]+$/, "/jobs/{id}"],
    [/^\/api-keys\/[^/]+$/, "/api-keys/{id}"],
    [/^\/webhooks\/endpoints\/[^/]+\/(deliveries|test|rotate-secret)$/, "/webhooks/endpoints/{id}/$1"],
    [/^\/webhooks\/endpoints\/[^/]+$/, "/webhooks/endpoints/{id}"],
    [/^\/webhooks\/deliveries\/[^/]+\/redeliver$/, "/webhooks/deliveries/{id}/redeliver"],
  ];
  for (const [re, template] of rules) if (re.test(p)) return p.replace(re, template);
  return p;
}

export interface GatewayStackOptions {
  readonly credits?: number;
  readonly plan?: string;
  readonly gatewayEnv?: Record<string, string>;
  readonly controlPlaneEnv?: Record<string, string>;
}

/**
 * Webhook settings every stack runs with: loopback receivers allowed, and
 * retries and polls short enough for tests to see several attempts.
 */
const WEBHOOK_TEST_ENV = { JOBPLANE_WEBHOOK_ALLOW_PRIVATE: "1" };

export async function startGatewayStack(options: GatewayStackOptions = {}): Promise<GatewayStack> {
  const db = await createTestDatabase();
  const nats = await createTestNats();
  const shared = { NATS_URL: nats.url, JOBPLANE_NATS_PREFIX: nats.prefix, LOG_LEVEL: "info" };
  const close = async (): Promise<void> => {
    await stopAll();
    await nats.cleanup();
    await db.drop();
  };
  try {
    const admin = async (args: string[]): Promise<Record<string, any>> => {
      const result = await runJobplane(["admin", ...args], { DATABASE_URL: db.url });
      if (result.code !== 0) throw new Error(`jobplane admin ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
      return JSON.parse(result.stdout) as Record<string, any>;
    };
    const cp = startJobplane(["control-plane"], {
      ...shared,
      DATABASE_URL: db.url,
      CONTROL_PLANE_PORT: "0",
      CONTROL_PLANE_HOST: "127.0.0.1",
      JOBPLANE_ADMIN_TOKEN: ADMIN_TOKEN,
      JOBPLANE_SEQUENCER_INTERVAL_MS: "200",
      JOBPLANE_SHUTDOWN_GRACE_MS: "1000",
      JOBPLANE_WEBHOOK_RETRY_BASE_MS: "100",
      ...WEBHOOK_TEST_ENV,
      ...options.controlPlaneEnv,
    });
    const [listening, org] = await Promise.all([
      cp.waitForLog((l) => l.msg === "control plane listening", 30_000),
      admin(["create-org", "--name", "e2e-gateway", "--plan", options.plan ?? "pro", "--credits", String(options.credits ?? 100_000)]),
    ]);
    const cpUrl = String(listening.url);
    const startGateway = async (): Promise<{ process: RunningProcess; url: string }> => {
      const process = startJobplane(["gateway"], {
        ...shared,
        GATEWAY_PORT: "0",
        GATEWAY_HOST: "127.0.0.1",
        CONTROL_PLANE_URL: cpUrl,
        JOBPLANE_ADMIN_TOKEN: ADMIN_TOKEN,
        GATEWAY_WEBHOOK_POLL_MS: "100",
        ...WEBHOOK_TEST_ENV,
        ...options.gatewayEnv,
      });
      return { process, url: String((await process.waitForLog((l) => l.msg === "gateway listening", 30_000)).url) };
    };
    let gateway = await startGateway();
    const gatewayUrl = gateway.url;
    const document = await (await fetch(`${gatewayUrl}/openapi.json`)).json();
    const validator = createResponseValidator(document);
    let agents = 0;

    const stack: GatewayStack = {
      db,
      nats,
      cpUrl,
      get gatewayUrl() {
        return gateway.url;
      },
      get gateway() {
        return gateway.process;
      },
      orgId: org.orgId,
      apiKey: org.apiKey,
      validator,
      admin,
      async createOrg(plan, credits) {
        const created = await admin(["create-org", "--name", `e2e-${plan}`, "--plan", plan, "--credits", String(credits)]);
        return { orgId: created.orgId, apiKey: created.apiKey };
      },
      async startAgent() {
        const { token } = await admin(["create-agent-token", "--name", `a${++agents}`]);
        const agent = startJobplane(["agent", "--types", TEST_TYPES.join(","), "--slots", "4"], {
          ...shared,
          CONTROL_PLANE_URL: cpUrl,
          AGENT_TOKEN: token,
          AGENT_OPS_PORT: "0", // many agents on one host: each its own ops port
        });
        await agent.waitForLog((l) => l.msg === "agent ready", 30_000);
        return agent;
      },
      async restartGateway(signal = "SIGKILL") {
        await gateway.process.stop(signal);
        gateway = await startGateway();
      },
      async api(method, path, opts = {}) {
        const headers: Record<string, string> = { ...opts.headers };
        const key = opts.key === undefined ? stack.apiKey : opts.key;
        if (key !== null) headers.authorization = `Bearer ${key}`;
        let body: string | Buffer | undefined;
        if (opts.raw !== undefined) body = opts.raw;
        else if (opts.body !== undefined) {
          body = JSON.stringify(opts.body);
          headers["content-type"] ??= "application/json";
        }
        const res = await fetch(`${gateway.url}${path}`, { method, headers, body });
        const text = await res.text();
        const contentType = res.headers.get("content-type");
        const parsed = contentType?.startsWith("application/json") && text !== "" ? JSON.parse(text) : text;
        const template = opts.template ?? templateOf(path);
        const check = validator.check(method, template, res.status, contentType, parsed === "" ? undefined : parsed);
        expect(check.problem, `${method} ${path} → ${res.status} ${text.slice(0, 500)}`).toBeUndefined();
        expect(res.headers.get("x-request-id"), `${method} ${path} has X-Request-Id`).toBeTruthy();
        return { status: res.status, headers: res.headers, body: parsed };
      },
      close,
    };
    return stack;
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

export { until } from "./until.js";
