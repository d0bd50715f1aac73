/**
 * The agent's settings: environment for where things are and secrets, CLI
 * flags for what this agent does. Parsing is pure (argv and env are passed
 * in) so it is tested without a process.
 *
 *   CONTROL_PLANE_URL        default http://127.0.0.1:7070 (h2c: Register + Session)
 *   NATS_URL                 default nats://127.0.0.1:4222
 *   AGENT_TOKEN              required: a jpa_… token from `jobplane admin create-agent-token`
 *   JOBPLANE_NATS_PREFIX     default "" (tests and shared NATS servers)
 *   JOBPLANE_AGENT_GRACE_MS  default 30000: how long SIGTERM lets running jobs finish
 *   LOG_LEVEL                default info
 *   AGENT_OPS_PORT           default 9464: /healthz and /metrics; 0 = any free port, off = none
 *   AGENT_OPS_HOST           default 127.0.0.1: an agent is not a public service; set 0.0.0.0
 *                            (or the pod IP) for a scraper or kubelet on another host
 *   --types a,b              default: every job type the agent ships
 *   --slots N                default 4: jobs run at once
 *   --labels k=v,k2=v2       free-form, sent with Register
 */
import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { natsNames } from "../../proto/nats/names.js";

export interface AgentConfig {
  readonly controlPlaneUrl: string;
  readonly natsUrl: string;
  readonly token: string;
  readonly natsPrefix: string;
  readonly graceMs: number;
  readonly logLevel: string;
  readonly types: readonly string[];
  readonly slots: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Where /healthz and /metrics listen; undefined when AGENT_OPS_PORT=off. */
  readonly ops: AgentOpsConfig | undefined;
}

export interface AgentOpsConfig {
  readonly host: string;
  /** 0 = any free port (the URL is logged). */
  readonly port: number;
  /**
   * AGENT_OPS_PORT was set. A busy port is then fatal (the operator asked for
   * it); the default port being busy (a second agent on the host) only turns
   * the endpoints off with a warning.
   */
  readonly explicit: boolean;
}

export const DEFAULT_CONTROL_PLANE_URL = "http://127.0.0.1:7070";
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";
export const DEFAULT_GRACE_MS = 30_000;
export const DEFAULT_SLOTS = 4;
/** The OpenTelemetry Prometheus exporter's default port: the one a scrape config for a worker process tends to expect. */
export const DEFAULT_OPS_PORT = 9464;
export const DEFAULT_OPS_HOST = "127.0.0.1";
const MAX_SLOTS = 1024;

export const AGENT_USAGE = `usage: jobplane agent [--types a,b] [--slots N] [--labels k=v,…]

environment: CONTROL_PLANE_URL, NATS_URL, AGENT_TOKEN (required), JOBPLANE_NATS_PREFIX,
             JOBPLANE_AGENT_GRACE_MS, LOG_LEVEL, AGENT_OPS_PORT (9464; 0 = any, off), AGENT_OPS_HOST`;

/** A configuration error: the message says what to fix. */
export class AgentConfigError extends Error {
  override readonly name = "AgentConfigError";
}

/**
 * @param knownTypes the job types this agent binary ships; --types must name only these.
 */
export function readAgentConfig(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  knownTypes: readonly string[],
): AgentConfig {
  let values: { types?: string; slots?: string; labels?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { types: { type: "string" }, slots: { type: "string" }, labels: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new AgentConfigError(`${err instanceof Error ? err.message : String(err)}\n${AGENT_USAGE}`);
  }

  const token = env.AGENT_TOKEN?.trim();
  if (!token) {
    throw new AgentConfigError("AGENT_TOKEN is required: create one with `jobplane admin create-agent-token` (AdminService.CreateAgentToken)");
  }
  const controlPlaneUrl = httpUrl(env.CONTROL_PLANE_URL || DEFAULT_CONTROL_PLANE_URL);
  const natsPrefix = env.JOBPLANE_NATS_PREFIX ?? "";
  try {
    natsNames(natsPrefix);
  } catch (err) {
    throw new AgentConfigError(`JOBPLANE_NATS_PREFIX: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    controlPlaneUrl,
    natsUrl: env.NATS_URL || DEFAULT_NATS_URL,
    token,
    natsPrefix,
    graceMs: intSetting("JOBPLANE_AGENT_GRACE_MS", env.JOBPLANE_AGENT_GRACE_MS, DEFAULT_GRACE_MS, 0, 3_600_000),
    logLevel: env.LOG_LEVEL || "info",
    types: parseTypes(values.types, knownTypes),
    slots: intSetting("--slots", values.slots, DEFAULT_SLOTS, 1, MAX_SLOTS),
    labels: parseLabels(values.labels),
    ops: parseOps(env.AGENT_OPS_PORT, env.AGENT_OPS_HOST),
  };
}

function parseOps(rawPort: string | undefined, rawHost: string | undefined): AgentOpsConfig | undefined {
  const portText = rawPort?.trim() ?? "";
  if (portText.toLowerCase() === "off") return undefined;
  // Digits only: Number() would take "0x50" or "1e3" for a port.
  const port = portText === "" ? DEFAULT_OPS_PORT : /^\d{1,5}$/.test(portText) ? Number(portText) : -1;
  if (port < 0 || port > 65_535) {
    throw new AgentConfigError(`AGENT_OPS_PORT must be a port from 0 to 65535 (0 = any free port) or "off", got "${rawPort}"`);
  }
  const host = rawHost?.trim() || DEFAULT_OPS_HOST;
  if (isIP(host) === 0 && !HOSTNAME.test(host)) {
    throw new AgentConfigError(`AGENT_OPS_HOST must be an IP address or a host name, got "${rawHost}"`);
  }
  return { host, port, explicit: portText !== "" };
}

/** A DNS name, leniently (underscores pass: Docker names have them); catches URLs and host:port. */
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

function parseTypes(raw: string | undefined, known: readonly string[]): string[] {
  if (raw === undefined) return [...known];
  const types = [...new Set(raw.split(",").map((t) => t.trim()).filter(Boolean))];
  if (types.length === 0) throw new AgentConfigError("--types names no job type");
  const unknown = types.filter((t) => !known.includes(t));
  if (unknown.length > 0) {
    const list = unknown.map((t) => `"${t}"`).join(", ");
    throw new AgentConfigError(`unknown job type${unknown.length > 1 ? "s" : ""} ${list} in --types; this agent serves: ${[...known].sort().join(", ")}`);
  }
  return types;
}

function parseLabels(raw: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!raw) return labels;
  for (const pair of raw.split(",").map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf("=");
    const key = eq > 0 ? pair.slice(0, eq).trim() : "";
    if (!key) throw new AgentConfigError(`--labels: "${pair}" is not key=value`);
    labels[key] = pair.slice(eq + 1).trim();
  }
  return labels;
}

function httpUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AgentConfigError(`CONTROL_PLANE_URL "${raw}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new AgentConfigError(`CONTROL_PLANE_URL must be http:// or https://, got "${raw}"`);
  }
  return raw.replace(/\/+$/, "");
}

function intSetting(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AgentConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}
