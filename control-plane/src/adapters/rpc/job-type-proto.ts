/**
 * Catalog job types ↔ the jobplane.v1.JobType message. int64 prices arrive
 * as bigint and become JS numbers; a value beyond 2^53 becomes an unsafe
 * number, which the catalog's checks (domain/job-type-rules.ts) refuse as
 * VALIDATION_ERROR instead of storing a rounded price.
 */
import { create, type JsonObject } from "@bufbuild/protobuf";
import { JobTypeSchema, type JobType } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import type { CatalogJobType } from "../../app/job-catalog.js";
import type { JobTypeDefinition } from "../../domain/job-type-rules.js";

export function jobTypeToProto(type: CatalogJobType): JobType {
  return create(JobTypeSchema, {
    name: type.name,
    description: type.description,
    paramsSchema: type.paramsSchema as JsonObject,
    maxExecutionSeconds: type.maxExecutionSeconds,
    queueTtlSeconds: type.queueTtlSeconds,
    baseCredits: BigInt(type.baseCredits),
    creditsPerSecond: BigInt(type.creditsPerSecond),
    allowedPlans: [...type.allowedPlans],
  });
}

/** An unset params_schema means "any params": the empty schema. */
export function jobTypeFromProto(message: JobType): JobTypeDefinition {
  return {
    name: message.name,
    description: message.description,
    paramsSchema: message.paramsSchema ?? {},
    maxExecutionSeconds: message.maxExecutionSeconds,
    queueTtlSeconds: message.queueTtlSeconds,
    baseCredits: Number(message.baseCredits),
    creditsPerSecond: Number(message.creditsPerSecond),
    allowedPlans: [...message.allowedPlans],
  };
}
