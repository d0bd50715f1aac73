/**
 * The RateLimiter port: counts one request against a key's plan rate. It must
 * hold across every control-plane instance sharing the database, so it is
 * never a per-process counter.
 */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** When not allowed: how long until one more request would be. */
  readonly retryAfterMs: number;
}

export interface RateLimiter {
  take(keyId: string, requestsPerMinute: number, now: Date): Promise<RateLimitDecision>;
}

/** Lets everything through; for tools that call the app layer without a rate (the CLI). */
export const unlimited: RateLimiter = { take: async () => ({ allowed: true, retryAfterMs: 0 }) };
