/**
 * Delay before the n-th consecutive retry (n ≥ 1): doubling from `baseMs`,
 * capped at `maxMs`, with "full jitter" (uniform in [0, delay]) so that
 * clients reconnecting after one control-plane restart spread out. Pure:
 * the random source is a parameter.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * random());
}
