/**
 * Stored jobs and events → the jobplane.v1 messages clients see. One place,
 * so GetJob, ListJobs, Watch streams and JetStream events render a job (and
 * an org's balance events) identically.
 */
import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { JobEventSchema, type JobEvent } from "../../../../proto/gen/jobplane/v1/event_pb.js";
import { JobPhase, JobSchema, JobStatus, type Job } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { errorInfo, parseErrorCodeName } from "../../domain/error-table.js";
import { parseStatusName } from "../../domain/job-status.js";
import type { StoredBalanceEvent, StoredEvent, StoredJobEvent } from "../postgres/job-store.js";
import type { JobRecord, JobSnapshot } from "../postgres/job-record.js";
import type { StoredOutput } from "../postgres/job-json.js";

const PHASES: Record<string, JobPhase> = {
  DISPATCH: JobPhase.DISPATCH,
  DOWNLOAD: JobPhase.DOWNLOAD,
  PROCESS: JobPhase.PROCESS,
  UPLOAD: JobPhase.UPLOAD,
};

const ts = (d: Date | string | null | undefined) => (d ? timestampFromDate(typeof d === "string" ? new Date(d) : d) : undefined);

/** The shape agents report outputs in (see CompleteJob in agent_service.proto). */
interface OutputShape {
  readonly files?: readonly {
    readonly name?: string;
    readonly url?: string;
    readonly contentType?: string;
    readonly sizeBytes?: number;
    readonly meta?: JsonObject;
  }[];
  readonly data?: JsonObject;
  readonly expiresAt?: string;
}

function outputToProto(output: StoredOutput | null) {
  if (!output) return undefined;
  const o = output as OutputShape;
  return {
    files: (o.files ?? []).map((f) => ({
      name: f.name ?? "",
      url: f.url ?? "",
      contentType: f.contentType ?? "",
      sizeBytes: BigInt(f.sizeBytes ?? 0),
      meta: f.meta,
    })),
    data: o.data,
    expiresAt: ts(o.expiresAt),
  };
}

/** A job record (or the snapshot stored in an event) as a Job message. */
export function jobToProto(job: JobRecord | JobSnapshot): Job {
  const status = typeof job.status === "string" ? (parseStatusName(job.status) ?? JobStatus.UNSPECIFIED) : job.status;
  const errorCode = job.error ? (parseErrorCodeName(job.error.code) ?? 0) : 0;
  return create(JobSchema, {
    id: job.id,
    orgId: job.orgId,
    type: job.type,
    status,
    params: job.params as JsonObject,
    inputs: job.inputs.map((i) => ({ name: i.name, url: i.url, sizeBytes: BigInt(i.sizeBytes), contentType: i.contentType })),
    progress: job.progress ?? undefined,
    steps: job.steps.map((s) => ({ name: s.name, startedAt: ts(s.startedAt), finishedAt: ts(s.finishedAt) })),
    error: job.error
      ? {
          code: errorCode,
          message: job.error.message,
          detail: job.error.detail,
          retryable: errorInfo(errorCode).retryable,
          failedPhase: PHASES[job.error.phase] ?? JobPhase.UNSPECIFIED,
        }
      : undefined,
    output: outputToProto(job.output),
    cost: { estimatedCredits: BigInt(job.estimatedCredits), actualCredits: BigInt(job.actualCredits ?? 0) },
    attempt: job.attempt,
    idempotencyKey: job.idempotencyKey ?? "",
    priority: job.priority,
    testMode: job.testMode,
    cancelRequested: job.cancelRequested,
    createdAt: ts(job.createdAt),
    dispatchedAt: ts(job.dispatchedAt),
    startedAt: ts(job.startedAt),
    completedAt: ts(job.completedAt),
    updatedAt: ts(job.updatedAt),
  });
}

/** An outbox row as the JobEvent watchers, webhooks and JetStream consumers receive. */
export function jobEventToProto(event: StoredEvent): JobEvent {
  return event.jobId === null ? balanceEventToProto(event) : jobTimelineEventToProto(event);
}

/** balance.low / balance.depleted: the org's credits, no job (job_id empty, status UNSPECIFIED). */
function balanceEventToProto(event: StoredBalanceEvent): JobEvent {
  const b = event.payload;
  return create(JobEventSchema, {
    id: event.eventId,
    sequence: BigInt(event.sequence ?? 0),
    orgId: event.orgId,
    type: event.type,
    status: JobStatus.UNSPECIFIED,
    occurredAt: ts(event.occurredAt),
    balance: { balance: BigInt(b.balance), held: BigInt(b.held), available: BigInt(b.available), threshold: BigInt(b.threshold) },
  });
}

function jobTimelineEventToProto(event: StoredJobEvent): JobEvent {
  const job = jobToProto(event.payload);
  return create(JobEventSchema, {
    id: event.eventId,
    sequence: BigInt(event.sequence ?? 0),
    orgId: event.orgId,
    jobId: event.jobId,
    type: event.type,
    status: parseStatusName(event.status) ?? JobStatus.UNSPECIFIED,
    progress: event.type === "job.progress" ? job.progress : undefined,
    occurredAt: ts(event.occurredAt),
    job,
    attempt: event.attempt,
  });
}
