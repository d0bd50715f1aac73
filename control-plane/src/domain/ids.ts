/**
 * Resource identifiers: a short type prefix, an underscore, and 24 lowercase
 * hex characters (96 random bits) — e.g. `job_3f9c0a…`. The prefix tells a
 * human and a log reader what the id names; the randomness means ids can be
 * made on any instance without coordination and reveal no counts or order.
 * Randomness is the one impurity allowed in the domain layer.
 */
import { randomBytes } from "node:crypto";

/** job, org, API key, agent, event, webhook endpoint, webhook delivery. */
export type IdPrefix = "job" | "org" | "key" | "agt" | "evt" | "whe" | "whd";

const RANDOM_BYTES = 12;
const JOB_ID = /^job_[0-9a-f]{16,}$/;

/** A new id `<prefix>_` + 24 lowercase hex characters. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(RANDOM_BYTES).toString("hex")}`;
}

/** A new job id: `job_` + 24 lowercase hex characters. */
export function newJobId(): string {
  return newId("job");
}

/**
 * True for `job_` + at least 16 lowercase hex characters: the contract in the
 * architecture, looser than what newJobId makes so that shorter ids from
 * imports or older releases stay valid.
 */
export function isJobId(text: string): boolean {
  return JOB_ID.test(text);
}
