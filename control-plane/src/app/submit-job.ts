/**
 * SubmitJob: every check the seed lists, in an order that tells the caller
 * the most useful thing first, then one store transaction that holds the
 * credits and saves the job.
 *
 *   1. who (the caller authenticated with jobs:write: UNAUTHORIZED /
 *      FORBIDDEN / RATE_LIMITED happen before this function)
 *   2. the job type exists                          → INVALID_JOB_TYPE
 *   3. the plan allows the type, the declared input
 *      sizes and the type's execution time          → PLAN_LIMIT (metadata.limit)
 *   4. request fields and params against the type's
 *      JSON Schema, every violation at once         → VALIDATION_ERROR
 *   5. estimate (test mode: 0), then JobStore.submitJob holds the estimate
 *      and inserts WAITING + job.created atomically → INSUFFICIENT_CREDITS
 *
 * The credit check is not a read here followed by a write there: the hold
 * is one guarded UPDATE inside the store's transaction (credit-ops.ts), so
 * concurrent submits can never over-commit a balance. A repeated
 * idempotency key returns the original job (deduplicated) without holding
 * anything; the unique index makes that hold under concurrency too.
 */
import { validationError, type Violation } from "../domain/domain-error.js";
import { planRefusal } from "../domain/plan-rules.js";
import { estimateCost } from "../domain/pricing.js";
import { checkSubmitRequest, type RequestedInput } from "../domain/submit-request-rules.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";
import type { JobStore } from "../adapters/postgres/job-store.js";
import type { AfterCommit } from "./after-commit.js";
import { requireJobType, type JobCatalog } from "./job-catalog.js";
import type { ParamsValidatorCache } from "./params-validator-cache.js";
import type { Principal } from "./principal.js";

export interface SubmitJobDeps {
  readonly jobs: Pick<JobStore, "submitJob">;
  readonly catalog: Pick<JobCatalog, "find">;
  readonly validators: ParamsValidatorCache;
  /** Carries out publishDispatch once the job is committed (the dispatch fast path). */
  readonly afterCommit: AfterCommit;
}

export interface SubmitJobCommand {
  readonly type: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly inputs: readonly RequestedInput[];
  /** "" for none. */
  readonly idempotencyKey: string;
  readonly priority: number;
}

export interface SubmitJobOutcome {
  readonly job: JobRecord;
  /** True when the idempotency key matched an existing job, which is returned unchanged. */
  readonly deduplicated: boolean;
}

/** Params violations reported under `/params` in the request. */
function underParams(violations: readonly Violation[]): Violation[] {
  return violations.map((v) => ({ path: v.path === "/" ? "/params" : `/params${v.path}`, description: v.description }));
}

export async function submitJob(
  deps: SubmitJobDeps,
  principal: Principal,
  command: SubmitJobCommand,
): Promise<SubmitJobOutcome> {
  // Without a type there is nothing to look up: report the request's shape instead.
  if (command.type === "") throw validationError(checkSubmitRequest(command));
  const type = await requireJobType(deps.catalog, command.type);

  const refusal = planRefusal(principal.plan, type, command.inputs);
  if (refusal !== undefined) throw refusal;

  const violations = [
    ...checkSubmitRequest(command),
    ...underParams(deps.validators.validatorFor(type)(command.params)),
  ];
  if (violations.length > 0) throw validationError(violations);

  const estimatedCredits = estimateCost({ ...type, testMode: principal.testMode });
  const saved = await deps.jobs.submitJob({
    orgId: principal.orgId,
    type: type.name,
    priority: command.priority,
    params: command.params,
    inputs: command.inputs.map(({ name, url, sizeBytes, contentType }) => ({ name, url, sizeBytes, contentType })),
    estimatedCredits,
    testMode: principal.testMode,
    idempotencyKey: command.idempotencyKey === "" ? null : command.idempotencyKey,
    apiKeyId: principal.keyId,
  });
  if (saved.created) await deps.afterCommit.run(saved.job, saved.effects);
  return { job: saved.job, deduplicated: !saved.created };
}
