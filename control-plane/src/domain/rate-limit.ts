/**
 * Per-key rate limiting by GCRA (the generic cell rate algorithm, as in
 * redis-cell and throttled). The whole state of a key is one timestamp, its
 * theoretical arrival time (TAT): the moment the key would be "caught up" if
 * requests kept arriving exactly at the plan rate. That makes the check one
 * atomic UPDATE of one row in Postgres (pg-rate-limiter.ts), correct across any
 * number of control-plane instances, with no counters, windows or clean-up.
 *
 *   emission interval T = 60 s / rpm     (one request's worth of time)
 *   burst tolerance   τ = rpm × T ≈ 60 s (a full minute's worth may burst)
 *   a request at `now` is allowed  ⇔  max(tat, now) + T − now ≤ τ
 *   and then tat := max(tat, now) + T; a refused request changes nothing.
 *
 * So an idle key may burst exactly `rpm` requests at once, and then gets one
 * more every T. A refused caller may retry after tat + T − τ − now.
 *
 * Times are whole microseconds since the epoch — PostgreSQL's timestamp
 * resolution, so this module and the SQL agree bit for bit. T is rounded down
 * to a whole microsecond and τ is defined as rpm × T rather than 60 s, so the
 * burst is exactly `rpm` for every rate (for rates dividing 60 000 000, which
 * every real plan's does — 30, 300 — τ is exactly 60 s; otherwise it is short
 * of a minute by under rpm µs). Floating-point milliseconds would make, e.g.,
 * the 7th of a 7/min burst fail by 1e-11 ms.
 */

const MICROS_PER_MINUTE = 60_000_000;

/** The GCRA constants of one rate, in whole microseconds. */
export interface GcraLimits {
  /** T: the time one request "costs". */
  readonly emissionIntervalUs: number;
  /** τ: how far ahead of `now` the TAT may run; rpm × T. */
  readonly burstToleranceUs: number;
}

export interface GcraDecision {
  readonly allowed: boolean;
  /** The key's TAT after this request; unchanged (or undefined for a new key) when refused. */
  readonly newTatUs: number | undefined;
  /** 0 when allowed; otherwise how long until one more request would pass, in whole ms (≥ 1). */
  readonly retryAfterMs: number;
}

/** T and τ for `requestsPerMinute` (an integer from 1 to 60 000 000). */
export function gcraLimits(requestsPerMinute: number): GcraLimits {
  if (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 1 || requestsPerMinute > MICROS_PER_MINUTE) {
    throw new RangeError(`requests per minute must be an integer from 1 to ${MICROS_PER_MINUTE}, got ${requestsPerMinute}`);
  }
  const emissionIntervalUs = Math.floor(MICROS_PER_MINUTE / requestsPerMinute);
  return { emissionIntervalUs, burstToleranceUs: emissionIntervalUs * requestsPerMinute };
}

/**
 * How long a request refused at `nowUs` must wait, given the key's current
 * TAT: until tat + T − τ. Rounded up to whole milliseconds, and at least 1
 * (a refusal always means "later", never "now").
 */
export function gcraRetryAfterMs(tatUs: number, nowUs: number, limits: GcraLimits): number {
  const waitUs = tatUs + limits.emissionIntervalUs - limits.burstToleranceUs - nowUs;
  return Math.max(1, Math.ceil(waitUs / 1000));
}

/**
 * Decides one request: `previousTatUs` is the key's stored TAT (undefined
 * for a key never seen), `nowUs` the request time.
 */
export function gcraDecide(previousTatUs: number | undefined, nowUs: number, requestsPerMinute: number): GcraDecision {
  const limits = gcraLimits(requestsPerMinute);
  const candidate = Math.max(previousTatUs ?? nowUs, nowUs) + limits.emissionIntervalUs;
  if (candidate - nowUs <= limits.burstToleranceUs) {
    return { allowed: true, newTatUs: candidate, retryAfterMs: 0 };
  }
  // A refusal implies previousTatUs is defined: a fresh key's candidate is now + T ≤ τ.
  return { allowed: false, newTatUs: previousTatUs, retryAfterMs: gcraRetryAfterMs(previousTatUs ?? nowUs, nowUs, limits) };
}

/** A Date as whole microseconds since the epoch. */
export function toMicros(date: Date): number {
  return date.getTime() * 1000;
}
