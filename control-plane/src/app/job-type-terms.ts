/**
 * The JobTypeTerms port: the parts of a job type the lifecycle needs after
 * submit — how long an attempt may run, how long it may wait for an agent,
 * and its price.
 */
import type { Price } from "../domain/pricing.js";

export interface JobTypeTerms extends Price {
  readonly name: string;
  readonly maxExecutionSeconds: number;
  readonly queueTtlSeconds: number;
}

export interface JobTypeTermsLookup {
  /** The type's terms, or undefined if there is no such type. */
  get(name: string): Promise<JobTypeTerms | undefined>;
}
