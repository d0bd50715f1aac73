/**
 * Exponential back-off with jitter for reconnecting to the control plane and
 * re-binding dispatch consumers: initial · 2^(n−1), capped, then scaled by a
 * random factor in [0.5, 1] so a fleet of agents restarting together does not
 * reconnect in lockstep.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000 };

/** The delay before retry number `failures` (1 = after the first failure). */
export function backoffDelay(failures: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = options.initialMs * 2 ** Math.max(0, Math.min(failures - 1, 30));
  const capped = Math.min(options.maxMs, exp);
  return Math.round(capped * (0.5 + random() * 0.5));
}
