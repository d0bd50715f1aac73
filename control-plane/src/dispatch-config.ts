/**
 * Settings of the JetStream side (streams, dispatcher, outbox relay,
 * dead-lettering), read from the environment once by the composition root.
 * Pure, so it is tested with a plain object.
 *
 *   JOBPLANE_NATS_PREFIX              prefix of every stream and subject (default none; tests, shared NATS)
 *   JOBPLANE_DISPATCH_MAX_DELIVER     deliveries of a dispatch before DISPATCH_EXHAUSTED (default 4)
 *   JOBPLANE_DISPATCH_BACKOFF_MS      redelivery delays, comma-separated, fewer than max deliver
 *                                     (default 5000,30000,120000)
 *   JOBPLANE_DISPATCH_MAX_ACK_PENDING deliveries outstanding per job type (default 1000)
 *   JOBPLANE_DISPATCH_INTERVAL_MS     dispatcher fallback pass period (default 1000)
 *   JOBPLANE_DISPATCH_BATCH           jobs per dispatch pass (default 500)
 *   JOBPLANE_RELAY_INTERVAL_MS        outbox relay fallback pass period (default 1000)
 *   JOBPLANE_RELAY_BATCH              events per relay pass (default 500)
 *   JOBPLANE_NATS_PUBLISH_TIMEOUT_MS  wait for a JetStream publish ack (default 5000)
 *   JOBPLANE_EVENTS_MAX_AGE_MS        JOBPLANE_EVENTS retention (default 7 days)
 *   JOBPLANE_NATS_REPLICAS            replicas of each stream (default 1)
 */
import { intSetting } from "./env-settings.js";

export interface DispatchPlaneConfig {
  readonly natsPrefix: string;
  readonly maxDeliver: number;
  readonly backoffMs: readonly number[];
  readonly maxAckPending: number;
  readonly dispatchIntervalMs: number;
  readonly dispatchBatch: number;
  readonly relayIntervalMs: number;
  readonly relayBatch: number;
  readonly publishTimeoutMs: number;
  readonly eventsMaxAgeMs: number;
  readonly streamReplicas: number;
}

const DAY_MS = 24 * 3600_000;

export function readDispatchPlaneConfig(env: Record<string, string | undefined>): DispatchPlaneConfig {
  const maxDeliver = intSetting(env, "JOBPLANE_DISPATCH_MAX_DELIVER", 4, 2, 100);
  const backoffMs = msList(env, "JOBPLANE_DISPATCH_BACKOFF_MS", [5_000, 30_000, 120_000]);
  if (backoffMs.length >= maxDeliver) {
    throw new Error(
      `JOBPLANE_DISPATCH_BACKOFF_MS has ${backoffMs.length} delays: NATS needs fewer than ` +
        `JOBPLANE_DISPATCH_MAX_DELIVER (${maxDeliver})`,
    );
  }
  const natsPrefix = env.JOBPLANE_NATS_PREFIX ?? "";
  if (natsPrefix && !/^[A-Za-z0-9_-]+$/.test(natsPrefix)) {
    throw new Error(`JOBPLANE_NATS_PREFIX may hold only letters, digits, "_" and "-", got "${natsPrefix}"`);
  }
  return {
    natsPrefix,
    maxDeliver,
    backoffMs,
    maxAckPending: intSetting(env, "JOBPLANE_DISPATCH_MAX_ACK_PENDING", 1000, 1, 1_000_000),
    dispatchIntervalMs: intSetting(env, "JOBPLANE_DISPATCH_INTERVAL_MS", 1000, 10, 600_000),
    dispatchBatch: intSetting(env, "JOBPLANE_DISPATCH_BATCH", 500, 1, 10_000),
    relayIntervalMs: intSetting(env, "JOBPLANE_RELAY_INTERVAL_MS", 1000, 10, 600_000),
    relayBatch: intSetting(env, "JOBPLANE_RELAY_BATCH", 500, 1, 10_000),
    publishTimeoutMs: intSetting(env, "JOBPLANE_NATS_PUBLISH_TIMEOUT_MS", 5000, 100, 600_000),
    eventsMaxAgeMs: intSetting(env, "JOBPLANE_EVENTS_MAX_AGE_MS", 7 * DAY_MS, 60_000, 3650 * DAY_MS),
    streamReplicas: intSetting(env, "JOBPLANE_NATS_REPLICAS", 1, 1, 5),
  };
}

function msList(env: Record<string, string | undefined>, name: string, fallback: readonly number[]): number[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return [...fallback];
  const values = raw.split(",").map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1 || v > 86_400_000)) {
    throw new Error(`${name} must be comma-separated whole milliseconds from 1 to 86400000, got "${raw}"`);
  }
  return values;
}
