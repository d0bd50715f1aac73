/**
 * JobService request messages → the app layer's commands and queries. Only
 * representation changes here (bigint → number, Timestamp → Date, absent →
 * empty); every rule about the values lives in the app and domain layers.
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ListJobsRequest, SubmitJobRequest } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import type { ListJobsQuery } from "../../app/list-jobs.js";
import type { SubmitJobCommand } from "../../app/submit-job.js";

/**
 * A declared size beyond 2^53 becomes an inexact number, still far above any
 * plan's input limit, so it is refused as PLAN_LIMIT like any oversized input.
 */
export function submitCommandFromProto(req: SubmitJobRequest): SubmitJobCommand {
  return {
    type: req.type,
    params: req.params ?? {},
    inputs: req.inputs.map((input) => ({
      name: input.name,
      url: input.url,
      sizeBytes: Number(input.sizeBytes),
      contentType: input.contentType,
    })),
    idempotencyKey: req.idempotencyKey,
    priority: req.priority,
  };
}

export function listQueryFromProto(req: ListJobsRequest): ListJobsQuery {
  return {
    statuses: req.statuses,
    type: req.type,
    createdAfter: req.createdAfter ? timestampDate(req.createdAfter) : undefined,
    createdBefore: req.createdBefore ? timestampDate(req.createdBefore) : undefined,
    limit: req.limit,
    cursor: req.cursor,
  };
}
