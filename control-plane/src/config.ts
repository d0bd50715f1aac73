/**
 * The control plane's settings, read from the environment once in main.ts.
 * Parsing is pure so it can be tested with a plain object.
 */
export interface ControlPlaneConfig {
  readonly databaseUrl: string;
  readonly natsUrl: string;
  readonly port: number;
  readonly host: string;
  /** How long SIGTERM waits for in-flight calls before closing connections. */
  readonly shutdownGraceMs: number;
  readonly logLevel: string;
  /** Bearer token for AdminService; admin calls are refused while unset. */
  readonly adminToken: string | undefined;
  /** JetStream side: streams, dispatcher, relay, dead-lettering. */
  readonly dispatch: DispatchPlaneConfig;
  /**
   * JOBPLANE_DISPATCHER=off runs this instance without a dispatcher (an API-only
   * instance); others must dispatch. Default on.
   */
  readonly dispatcherEnabled: boolean;
  /** Agent protocol and sweeper. */
  readonly agents: AgentConfig;
  /**
   * Period of the event sequencer's and event feed's fallback pass. NOTIFY
   * wakes both at once; this only bounds the delay when a notification was
   * lost (listener reconnecting) or an instance died before sequencing its rows.
   */
  readonly sequencerIntervalMs: number;
  /** Webhook retries, disabling, private targets (webhook-config.ts). */
  readonly webhooks: WebhookConfig;
}

import { readAgentConfig, type AgentConfig } from "./agent-config.js";
import { readDispatchPlaneConfig, type DispatchPlaneConfig } from "./dispatch-config.js";
import { intSetting } from "./env-settings.js";
import { readWebhookConfig, type WebhookConfig } from "./webhook-config.js";

export { intSetting };

export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/jobplane";
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

export function readControlPlaneConfig(env: Record<string, string | undefined>): ControlPlaneConfig {
  return {
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    natsUrl: env.NATS_URL || DEFAULT_NATS_URL,
    port: intSetting(env, "CONTROL_PLANE_PORT", 7070, 0, 65535),
    host: env.CONTROL_PLANE_HOST || "0.0.0.0",
    shutdownGraceMs: intSetting(env, "JOBPLANE_SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    logLevel: env.LOG_LEVEL || "info",
    adminToken: env.JOBPLANE_ADMIN_TOKEN || undefined,
    dispatch: readDispatchPlaneConfig(env),
    dispatcherEnabled: onOff(env, "JOBPLANE_DISPATCHER", true),
    agents: readAgentConfig(env),
    sequencerIntervalMs: intSetting(env, "JOBPLANE_SEQUENCER_INTERVAL_MS", 1000, 10, 600_000),
    webhooks: readWebhookConfig(env),
  };
}

function onOff(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["on", "true", "1"].includes(raw)) return true;
  if (["off", "false", "0"].includes(raw)) return false;
  throw new Error(`${name} must be on or off, got "${env[name]}"`);
}
