/**
 * AgentService messages ↔ the app layer's plain values. Pure.
 */
import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type {
  FailJob,
  SessionResponseSchema,
} from "../../../../proto/gen/jobplane/v1/agent_service_pb.js";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase, type JobOutput } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import type { AgentNotice } from "../../app/agent-control.js";
import type { AttemptOutcome, AttemptRef } from "../../app/attempt-outcome.js";
import type { FailureReport } from "../../app/fail-job.js";
import type { StoredOutput } from "../postgres/job-json.js";

export type SessionResponseInit = MessageInitShape<typeof SessionResponseSchema>;

/** ClaimAccepted or ClaimRejected for `ref`. */
export function claimReply(requestId: bigint, ref: AttemptRef, outcome: AttemptOutcome): SessionResponseInit {
  if (!outcome.accepted) {
    return {
      requestId,
      message: {
        case: "claimRejected",
        value: { jobId: ref.jobId, attempt: ref.attempt, code: outcome.code, message: outcome.message },
      },
    };
  }
  const { job } = outcome;
  return {
    requestId,
    message: {
      case: "claimAccepted",
      value: {
        jobId: job.id,
        attempt: job.attempt,
        type: job.type,
        params: job.params as JsonObject,
        // Stored URLs as they are; presigned download URLs arrive with the gateway's blob store.
        inputs: job.inputs.map((i) => ({
          name: i.name,
          url: i.url,
          sizeBytes: BigInt(i.sizeBytes),
          contentType: i.contentType,
        })),
        outputUploadUrl: "",
        deadline: job.deadlineAt ? timestampFromDate(job.deadlineAt) : undefined,
      },
    },
  };
}

/** An Ack for a progress, result or heartbeat message. */
export function ackReply(
  requestId: bigint,
  ref: AttemptRef | undefined,
  outcome: { readonly accepted: true } | { readonly accepted: false; readonly code: ErrorCode; readonly message: string },
): SessionResponseInit {
  return {
    requestId,
    message: {
      case: "ack",
      value: outcome.accepted
        ? { ref, accepted: true }
        : { ref, accepted: false, code: outcome.code, message: outcome.message },
    },
  };
}

/** A CancelAttempt push (request_id 0). */
export function cancelPush(notice: AgentNotice): SessionResponseInit {
  return {
    requestId: 0n,
    message: { case: "cancel", value: { ref: { jobId: notice.jobId, attempt: notice.attempt }, reason: notice.reason } },
  };
}

/** What a completed attempt produced, as the jobs.output column stores it (job-to-proto.ts reads it back). */
export function storedOutput(output: JobOutput | undefined): StoredOutput {
  const files = (output?.files ?? []).map((f) => ({
    name: f.name,
    url: f.url,
    contentType: f.contentType,
    sizeBytes: Number(f.sizeBytes),
    ...(f.meta ? { meta: f.meta } : {}),
  }));
  return output?.data ? { files, data: output.data } : { files };
}

/** The agent's FailJob as the app layer's report (normalised there). */
export function failureReport(fail: FailJob): FailureReport {
  return {
    code: fail.error?.code ?? ErrorCode.PROVIDER_ERROR,
    message: fail.error?.message ?? "",
    detail: fail.error?.detail ?? "",
    phase: fail.error?.failedPhase ?? JobPhase.UNSPECIFIED,
    cancelled: fail.cancelled,
  };
}
