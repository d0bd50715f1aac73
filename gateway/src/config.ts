/**
 * The gateway's settings, read from the environment once in main.ts.
 * Parsing is pure so it is tested with plain objects.
 */

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
}

export const DEFAULT_CONTROL_PLANE_URL = "http://127.0.0.1:7070";

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

export function readGatewayConfig(env: Env): GatewayConfig {
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
  };
}
