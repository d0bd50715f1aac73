/**
 * Settings of the agent protocol and the sweeper, read from the environment
 * (kept beside config.ts, parsed the same way, so the composition root can
 * read both from one env object). Heartbeat interval and heartbeat timeout
 * are two settings on purpose (pg-boss `heartbeatSeconds`): the agent sends
 * every interval, the sweeper gives up after the timeout; the timeout must
 * cover several intervals so one late heartbeat does not kill a job.
 */
import { intSetting } from "./env-settings.js";

/** What Register hands each agent, and what its session applies. */
export interface AgentSessionSettings {
  /** JOBPLANE_HEARTBEAT_INTERVAL_MS, default 5000. */
  readonly heartbeatIntervalMs: number;
  /** JOBPLANE_HEARTBEAT_TIMEOUT_MS, default 30000. */
  readonly heartbeatTimeoutMs: number;
  /** JOBPLANE_PROGRESS_THROTTLE_MS, default 1000: least time between two stored progress updates of a job. */
  readonly progressThrottleMs: number;
}

export interface AgentConfig extends AgentSessionSettings {
  /** JOBPLANE_SWEEP_INTERVAL_MS, default 120000. */
  readonly sweepIntervalMs: number;
}

const DAY_MS = 86_400_000;

export function readAgentConfig(env: Record<string, string | undefined>): AgentConfig {
  const heartbeatIntervalMs = intSetting(env, "JOBPLANE_HEARTBEAT_INTERVAL_MS", 5_000, 1, DAY_MS);
  const heartbeatTimeoutMs = intSetting(env, "JOBPLANE_HEARTBEAT_TIMEOUT_MS", 30_000, 1, DAY_MS);
  if (heartbeatTimeoutMs <= heartbeatIntervalMs) {
    throw new Error(
      `JOBPLANE_HEARTBEAT_TIMEOUT_MS (${heartbeatTimeoutMs}) must be greater than ` +
        `JOBPLANE_HEARTBEAT_INTERVAL_MS (${heartbeatIntervalMs})`,
    );
  }
  return {
    heartbeatIntervalMs,
    heartbeatTimeoutMs,
    progressThrottleMs: intSetting(env, "JOBPLANE_PROGRESS_THROTTLE_MS", 1_000, 0, DAY_MS),
    sweepIntervalMs: intSetting(env, "JOBPLANE_SWEEP_INTERVAL_MS", 120_000, 1, DAY_MS),
  };
}
