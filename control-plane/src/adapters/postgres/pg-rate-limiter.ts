/**
 * The RateLimiter on PostgreSQL: GCRA (domain/rate-limit.ts) with each key's
 * theoretical arrival time in `rate_limits`, decided by ONE upsert per
 * request:
 *
 *   insert (key, now + T)                         -- a new key: always allowed
 *   on conflict update set tat = max(tat + T, now + T)
 *     where max(tat + T, now + T) <= now + τ      -- the GCRA test
 *   returning tat                                 -- a row back ⇔ allowed
 *
 * `insert … on conflict do update` takes the row lock and re-evaluates the
 * WHERE against the latest committed TAT, so concurrent requests from any
 * number of processes serialise on the key's row and the sum of what they
 * allow never exceeds the limit; there is no per-process state. A refused
 * request writes nothing, then reads the TAT (which can only have grown) to
 * compute its retry-after.
 *
 * Alternatives rejected: a counter per fixed window lets 2× the rate through
 * around a window edge; a sliding log stores a row per request (300/min × keys)
 * and needs sweeping; advisory locks + read-modify-write cost three round
 * trips instead of one.
 *
 * `now` is the caller's (the injected clock), never the database's, so tests
 * move time instead of sleeping and every instance judges by the same rule.
 */
import type { RateLimiter } from "../../app/rate-limiter.js";
import { gcraLimits, gcraRetryAfterMs, toMicros } from "../../domain/rate-limit.js";
import type { Orm } from "./orm.js";

/** µs since the epoch as text: exact (a bigint), and independent of the session time zone. */
const TAT_MICROS = "(extract(epoch from tat) * 1000000)::bigint::text";

const TAKE = `
  insert into rate_limits as r (key_id, tat)
  values (?, ?::timestamptz + ? * interval '1 microsecond')
  on conflict (key_id) do update
     set tat = greatest(r.tat + ? * interval '1 microsecond', excluded.tat)
   where greatest(r.tat + ? * interval '1 microsecond', excluded.tat) <= ?::timestamptz + ? * interval '1 microsecond'
  returning ${TAT_MICROS} as tat_us`;

const READ = `select ${TAT_MICROS} as tat_us from rate_limits where key_id = ?`;

export function createPgRateLimiter(orm: Orm): RateLimiter {
  return {
    async take(keyId, requestsPerMinute, now) {
      const limits = gcraLimits(requestsPerMinute);
      const t = limits.emissionIntervalUs;
      const nowText = now.toISOString();
      const em = orm.em.fork();
      const taken = await em.execute<{ tat_us: string }[]>(TAKE, [
        keyId,
        nowText,
        t,
        t,
        t,
        nowText,
        limits.burstToleranceUs,
      ]);
      if (taken.length > 0) return { allowed: true, retryAfterMs: 0 };
      const [row] = await em.execute<{ tat_us: string }[]>(READ, [keyId]);
      const nowUs = toMicros(now);
      // No row means the key was deleted in between; its call fails on auth anyway.
      const tatUs = row === undefined ? nowUs : Number(row.tat_us);
      return { allowed: false, retryAfterMs: gcraRetryAfterMs(tatUs, nowUs, limits) };
    },
  };
}
