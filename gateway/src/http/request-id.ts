/**
 * X-Request-Id: echo the caller's when it is a sane token (so ids chain
 * across a client's, a load balancer's and our logs), otherwise mint one.
 * "Sane" keeps log lines and headers safe: 1–128 visible ASCII characters
 * from a conservative set.
 */
import { randomUUID } from "node:crypto";

const VALID = /^[A-Za-z0-9._:\-]{1,128}$/;

export function requestIdFor(incoming: string | string[] | undefined, mint: () => string = randomUUID): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value !== undefined && VALID.test(value) ? value : mint();
}
