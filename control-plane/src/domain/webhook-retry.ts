/**
 * When a failed webhook delivery is tried again: exponential backoff,
 * capped, with jitter so that the deliveries of an endpoint that was down
 * do not all return at the same instant when it comes back.
 *
 * Attempt n (1-based) that failed waits min(maxMs, baseMs · 2^(n−1)),
 * scaled by a random factor in [0.5, 1]. With the defaults (5 s base,
 * 6 h cap, 8 attempts) the waits are ≈ 5 s, 10 s, 20 s, 40 s, 80 s, 160 s,
 * 320 s: a delivery is given up after about 10 minutes of trying at most
 * (longer budgets come from JOBPLANE_WEBHOOK_MAX_ATTEMPTS; the cap bounds
 * the gap between any two attempts).
 */

export interface RetryPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * The wait after failed attempt `attempt` (≥ 1), in whole milliseconds.
 * `random` returns a number in [0, 1), like Math.random (injected for tests).
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity long before it matters; min() caps it.
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const factor = 0.5 + 0.5 * Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling * factor);
}

/** True when `attempts` made use up the budget of `maxAttempts`: no retry follows. */
export function attemptsExhausted(attempts: number, maxAttempts: number): boolean {
  return attempts >= maxAttempts;
}
