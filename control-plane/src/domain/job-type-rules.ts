/**
 * What makes a job type definition acceptable to the catalog
 * (AdminService.UpsertJobType). Checked up front and reported all at once as
 * VALIDATION_ERROR, so an operator never stores a type that would later fail
 * every submit: a schema that does not compile, a price that overflows, a
 * plan that does not exist.
 */
import type { Violation } from "./domain-error.js";
import { paramsSchemaProblem } from "./params-schema.js";

/** A job type as the catalog stores it. */
export interface JobTypeDefinition {
  /** Unique; also the NATS subject token `jobplane.dispatch.<name>`. */
  readonly name: string;
  readonly description: string;
  /** JSON Schema (draft 2020-12) that params must satisfy. */
  readonly paramsSchema: Readonly<Record<string, unknown>>;
  readonly maxExecutionSeconds: number;
  readonly queueTtlSeconds: number;
  readonly baseCredits: number;
  readonly creditsPerSecond: number;
  readonly allowedPlans: readonly string[];
}

/**
 * Lowercase, starting with a letter, at most 64 characters of `a-z 0-9 . _ -`:
 * safe as a NATS subject token (no spaces, `*`, `>`), a JetStream consumer
 * name part and a URL path segment.
 */
export const JOB_TYPE_NAME_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;

/** Time limits are stored as Postgres `integer`. */
const MAX_SECONDS = 2_147_483_647;

function positiveSeconds(value: number): boolean {
  return Number.isInteger(value) && value > 0 && value <= MAX_SECONDS;
}

function credits(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/**
 * Every problem with `def`; empty when the catalog may store it. `prefix` is
 * the JSON pointer of the definition inside the request (e.g. "/jobType").
 */
export function checkJobTypeDefinition(
  def: JobTypeDefinition,
  knownPlans: ReadonlySet<string>,
  prefix = "",
): Violation[] {
  const violations: Violation[] = [];
  const at = (field: string, description: string) => violations.push({ path: `${prefix}/${field}`, description });

  if (!JOB_TYPE_NAME_PATTERN.test(def.name)) {
    at("name", "must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter");
  }
  const schemaProblem = paramsSchemaProblem(def.paramsSchema);
  if (schemaProblem !== undefined) at("paramsSchema", schemaProblem);
  if (!positiveSeconds(def.maxExecutionSeconds)) at("maxExecutionSeconds", "must be a positive whole number of seconds");
  if (!positiveSeconds(def.queueTtlSeconds)) at("queueTtlSeconds", "must be a positive whole number of seconds");
  const baseOk = credits(def.baseCredits);
  const rateOk = credits(def.creditsPerSecond);
  if (!baseOk) at("baseCredits", "must be a non-negative whole number of credits");
  if (!rateOk) at("creditsPerSecond", "must be a non-negative whole number of credits");
  if (baseOk && rateOk && positiveSeconds(def.maxExecutionSeconds)) {
    const estimate = def.baseCredits + def.creditsPerSecond * def.maxExecutionSeconds;
    if (!Number.isSafeInteger(estimate)) {
      at("creditsPerSecond", "makes the price of a full-length run exceed the largest exact credit amount");
    }
  }
  def.allowedPlans.forEach((plan, i) => {
    if (!knownPlans.has(plan)) at(`allowedPlans/${i}`, `names no plan (known: ${[...knownPlans].sort().join(", ")})`);
  });
  return violations;
}
