/**
 * The gateway's settings, read from the environment once in main.ts.
 * Parsing is pure so it is tested with plain objects.
 */
import { natsNames } from "../../proto/nats/names.js";
import { parseCorsOrigins, type CorsPolicy } from "./http/cors.js";

export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  /** Base URL of a control plane (Connect/gRPC over h2c or TLS). */
  readonly controlPlaneUrl: string;
  readonly logLevel: string;
  /** Largest request body accepted (413 above it). */
  readonly maxBodyBytes: number;
  /** How long SIGTERM waits for in-flight requests before closing connections. */
  readonly shutdownGraceMs: number;
  /** A WebSocket or SSE client whose unsent data exceeds this is cut off (WebSocket: close 4000). */
  readonly streamMaxBufferedBytes: number;
  /** Ping period; a client that has not answered the previous ping is dropped. */
  readonly wsPingIntervalMs: number;
  /** How long a WebSocket client may take to send {"type":"auth"} when it sent no credential. */
  readonly wsAuthTimeoutMs: number;
  /** SSE comment period that keeps idle proxies from closing a stream. */
  readonly sseKeepaliveMs: number;
  /** NATS server(s), comma-separated: where the webhook deliverer reads JOBPLANE_EVENTS. */
  readonly natsUrl: string;
  /** JOBPLANE_NATS_PREFIX: stream and subject prefix (tests, shared NATS); "" in production. */
  readonly natsPrefix: string;
  /** GATEWAY_CORS_ORIGINS: which browser origins may call the REST API (http/cors.ts); off by default. */
  readonly cors: CorsPolicy;
  readonly webhooks: WebhookSettings;
}

/** The webhook deliverer's settings (webhooks/). */
export interface WebhookSettings {
  /**
   * JOBPLANE_ADMIN_TOKEN, the credential of WebhookDeliveryService. Unset:
   * this gateway delivers no webhooks (endpoint management over REST still works).
   */
  readonly adminToken: string | undefined;
  /** Total time of one POST: connect, headers and the response excerpt. */
  readonly timeoutMs: number;
  /** POSTs in flight at once. */
  readonly concurrency: number;
  /** How long a claimed delivery stays ours; longer than timeoutMs, so a slow POST is not claimed twice. */
  readonly leaseMs: number;
  /** How often due deliveries (retries) are claimed when nothing woke the loop. */
  readonly pollMs: number;
  /** Deliver to private, loopback and link-local addresses (tests, private networks). */
  readonly allowPrivate: boolean;
}

export const DEFAULT_CONTROL_PLANE_URL = "http://127.0.0.1:7070";
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

type Env = Record<string, string | undefined>;

export function intSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got "${env[name]}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new Error(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function urlSetting(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim() || fallback;
  if (!URL.canParse(raw) || !["http:", "https:"].includes(new URL(raw).protocol)) {
    throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, "");
}

function corsSetting(env: Env, name: string): CorsPolicy {
  try {
    return parseCorsOrigins(env[name]);
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

function boolSetting(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "" || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true") return true;
  throw new Error(`${name} must be 0 or 1, got "${env[name]}"`);
}

/** ClaimWebhookDeliveries accepts leases of 1 s to 10 min. */
const MAX_LEASE_MS = 600_000;

function webhookSettings(env: Env): WebhookSettings {
  const timeoutMs = intSetting(env, "GATEWAY_WEBHOOK_TIMEOUT_MS", 10_000, 100, 300_000);
  const leaseMs = intSetting(env, "GATEWAY_WEBHOOK_LEASE_MS", Math.min(MAX_LEASE_MS, timeoutMs + 20_000), 1000, MAX_LEASE_MS);
  if (leaseMs <= timeoutMs) {
    throw new Error(`GATEWAY_WEBHOOK_LEASE_MS (${leaseMs}) must exceed GATEWAY_WEBHOOK_TIMEOUT_MS (${timeoutMs})`);
  }
  return {
    adminToken: env.JOBPLANE_ADMIN_TOKEN?.trim() || undefined,
    timeoutMs,
    concurrency: intSetting(env, "GATEWAY_WEBHOOK_CONCURRENCY", 16, 1, 1000),
    leaseMs,
    pollMs: intSetting(env, "GATEWAY_WEBHOOK_POLL_MS", 1000, 50, 600_000),
    allowPrivate: boolSetting(env, "JOBPLANE_WEBHOOK_ALLOW_PRIVATE"),
  };
}

export function readGatewayConfig(env: Env): GatewayConfig {
  const natsPrefix = env.JOBPLANE_NATS_PREFIX?.trim() ?? "";
  natsNames(natsPrefix); // throws on a prefix NATS cannot use
  return {
    port: intSetting(env, "GATEWAY_PORT", 8080, 0, 65535),
    host: env.GATEWAY_HOST?.trim() || "0.0.0.0",
    controlPlaneUrl: urlSetting(env, "CONTROL_PLANE_URL", DEFAULT_CONTROL_PLANE_URL),
    logLevel: env.LOG_LEVEL?.trim() || "info",
    maxBodyBytes: intSetting(env, "GATEWAY_MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
    shutdownGraceMs: intSetting(env, "GATEWAY_SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    streamMaxBufferedBytes: intSetting(env, "GATEWAY_STREAM_MAX_BUFFERED_BYTES", 1024 * 1024, 1024, 1024 * 1024 * 1024),
    wsPingIntervalMs: intSetting(env, "GATEWAY_WS_PING_INTERVAL_MS", 30_000, 100, 600_000),
    wsAuthTimeoutMs: intSetting(env, "GATEWAY_WS_AUTH_TIMEOUT_MS", 10_000, 100, 600_000),
    sseKeepaliveMs: intSetting(env, "GATEWAY_SSE_KEEPALIVE_MS", 15_000, 100, 600_000),
    natsUrl: env.NATS_URL?.trim() || DEFAULT_NATS_URL,
    natsPrefix,
    cors: corsSetting(env, "GATEWAY_CORS_ORIGINS"),
    webhooks: webhookSettings(env),
  };
}
