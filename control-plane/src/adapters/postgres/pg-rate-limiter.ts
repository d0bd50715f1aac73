/** Stub until the shared rate limiter lands: lets everything through. */
import { unlimited, type RateLimiter } from "../../app/rate-limiter.js";
import type { Orm } from "./orm.js";

export function createPgRateLimiter(_orm: Orm): RateLimiter {
  return unlimited;
}
