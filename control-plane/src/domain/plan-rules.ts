/**
 * What an org's plan allows a submission: the job type, the declared input
 * size, the job type's execution time. Checked in that order (the cheapest
 * and most telling first), before the params, so a caller on the wrong plan
 * hears about the plan rather than about a field. Each refusal is a
 * PLAN_LIMIT naming the limit in `metadata.limit` — clients branch on that —
 * with the plan's value in `metadata.max` where there is one.
 */
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { DomainError } from "./domain-error.js";

/** The plan limits these rules read. */
export interface PlanCaps {
  readonly name: string;
  readonly maxInputBytes: number;
  readonly maxExecutionSeconds: number;
}

/** The job type facts these rules read. */
export interface JobTypeCaps {
  readonly name: string;
  readonly allowedPlans: readonly string[];
  readonly maxExecutionSeconds: number;
}

/** An input's name and declared size. */
export interface SizedInput {
  readonly name: string;
  readonly sizeBytes: number;
}

/** metadata.limit values. */
export const PLAN_LIMIT_JOB_TYPES = "job_types";
export const PLAN_LIMIT_MAX_INPUT_BYTES = "max_input_bytes";
export const PLAN_LIMIT_MAX_EXECUTION_SECONDS = "max_execution_seconds";

function refuse(limit: string, message: string, max?: number): DomainError {
  const metadata: Record<string, string> = { limit };
  if (max !== undefined) metadata.max = String(max);
  return new DomainError(ErrorCode.PLAN_LIMIT, message, { metadata });
}

/** The first plan limit the submission breaks, or undefined when the plan allows it. */
export function planRefusal(plan: PlanCaps, type: JobTypeCaps, inputs: readonly SizedInput[]): DomainError | undefined {
  if (!type.allowedPlans.includes(plan.name)) {
    return refuse(PLAN_LIMIT_JOB_TYPES, `the ${plan.name} plan does not include job type "${type.name}"`);
  }
  let total = 0;
  for (const input of inputs) {
    if (input.sizeBytes > plan.maxInputBytes) {
      return refuse(
        PLAN_LIMIT_MAX_INPUT_BYTES,
        `input "${input.name}" declares ${input.sizeBytes} bytes; the ${plan.name} plan allows ${plan.maxInputBytes}`,
        plan.maxInputBytes,
      );
    }
    total += input.sizeBytes;
  }
  if (total > plan.maxInputBytes) {
    return refuse(
      PLAN_LIMIT_MAX_INPUT_BYTES,
      `inputs declare ${total} bytes in all; the ${plan.name} plan allows ${plan.maxInputBytes}`,
      plan.maxInputBytes,
    );
  }
  if (type.maxExecutionSeconds > plan.maxExecutionSeconds) {
    return refuse(
      PLAN_LIMIT_MAX_EXECUTION_SECONDS,
      `job type "${type.name}" may run ${type.maxExecutionSeconds} s; the ${plan.name} plan allows ${plan.maxExecutionSeconds} s`,
      plan.maxExecutionSeconds,
    );
  }
  return undefined;
}
