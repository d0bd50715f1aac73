/**
 * Webhook settings, read from the environment once by the composition root.
 * Pure, so it is tested with a plain object.
 *
 *   JOBPLANE_WEBHOOK_ALLOW_PRIVATE           1 lets endpoints target loopback, private and link-local
 *                                            addresses (development, same-network receivers); default 0
 *   JOBPLANE_WEBHOOK_RETRY_BASE_MS           wait after the first failed attempt; doubles per attempt (default 5000)
 *   JOBPLANE_WEBHOOK_RETRY_MAX_MS            longest wait between two attempts (default 6 h)
 *   JOBPLANE_WEBHOOK_MAX_ATTEMPTS            attempts per delivery before it fails (default 16: with the default
 *                                            backoff, about a day — long enough to outlast a maintenance window)
 *   JOBPLANE_WEBHOOK_DISABLE_AFTER_FAILURES  consecutive failed attempts that disable an endpoint (default 50)
 *   JOBPLANE_WEBHOOK_MAX_ENDPOINTS_PER_ORG   endpoints one org may register (default 20): every event fans out to
 *                                            each, so the cap bounds the work one org can create
 *   JOBPLANE_WEBHOOK_RETENTION_DAYS          settled deliveries (and their attempt logs) are deleted this many
 *                                            days after their last change (default 30)
 */
import { intSetting } from "./env-settings.js";

export interface WebhookConfig {
  readonly allowPrivate: boolean;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly maxAttempts: number;
  readonly disableAfterFailures: number;
  readonly retentionDays: number;
  readonly maxEndpointsPerOrg: number;
}

const HOUR_MS = 3600_000;

export function readWebhookConfig(env: Record<string, string | undefined>): WebhookConfig {
  const retryBaseMs = intSetting(env, "JOBPLANE_WEBHOOK_RETRY_BASE_MS", 5000, 1, 24 * HOUR_MS);
  const retryMaxMs = intSetting(env, "JOBPLANE_WEBHOOK_RETRY_MAX_MS", 6 * HOUR_MS, 1, 7 * 24 * HOUR_MS);
  if (retryMaxMs < retryBaseMs) {
    throw new Error(
      `JOBPLANE_WEBHOOK_RETRY_MAX_MS (${retryMaxMs}) must be at least JOBPLANE_WEBHOOK_RETRY_BASE_MS (${retryBaseMs})`,
    );
  }
  return {
    allowPrivate: zeroOne(env, "JOBPLANE_WEBHOOK_ALLOW_PRIVATE"),
    retryBaseMs,
    retryMaxMs,
    maxAttempts: intSetting(env, "JOBPLANE_WEBHOOK_MAX_ATTEMPTS", 16, 1, 100),
    disableAfterFailures: intSetting(env, "JOBPLANE_WEBHOOK_DISABLE_AFTER_FAILURES", 50, 1, 100_000),
    retentionDays: intSetting(env, "JOBPLANE_WEBHOOK_RETENTION_DAYS", 30, 1, 3650),
    maxEndpointsPerOrg: intSetting(env, "JOBPLANE_WEBHOOK_MAX_ENDPOINTS_PER_ORG", 20, 1, 10_000),
  };
}

/** A 0/1 flag (default 0): anything else fails start-up rather than guessing. */
function zeroOne(env: Record<string, string | undefined>, name: string): boolean {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "" || raw === "0") return false;
  if (raw === "1") return true;
  throw new Error(`${name} must be 0 or 1, got "${env[name]}"`);
}
