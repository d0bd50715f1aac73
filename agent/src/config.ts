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
 *   --types a,b              default: every job type the agent ships
 *   --slots N                default 4: jobs run at once
 *   --labels k=v,k2=v2       free-form, sent with Register
 */
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
}

export const DEFAULT_CONTROL_PLANE_URL = "http://127.0.0.1:7070";
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";
export const DEFAULT_GRACE_MS = 30_000;
export const DEFAULT_SLOTS = 4;
const MAX_SLOTS = 1024;

export const AGENT_USAGE = `usage: jobplane agent [--types a,b] [--slots N] [--labels k=v,…]

environment: CONTROL_PLANE_URL, NATS_URL, AGENT_TOKEN (required), JOBPLANE_NATS_PREFIX,
             JOBPLANE_AGENT_GRACE_MS, LOG_LEVEL`;

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
  };
}

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
