/**
 * Job and JobEvent messages → the REST JSON shapes (the OpenAPI document's
 * Job and JobEvent schemas). Pure: no I/O, so every field's rendering has a
 * unit test. Conventions, following the seed's public API:
 * - statuses and phases lower case ("complete", "process");
 * - every timestamp is unix milliseconds, or null when unset;
 * - int64 counts (credits, sizes, sequences) become JSON numbers (exact up to 2^53);
 * - an absent sub-object (progress, error, output) is null, never omitted.
 * The same JobEvent shape travels in /jobs/{id}/logs, SSE and WebSocket
 * messages (and is what webhook payloads will carry under `data`); an org's
 * balance events (WebSocket, webhooks) have their own shape, RestBalanceEvent.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { JobEvent } from "../../../proto/gen/jobplane/v1/event_pb.js";
import { JobPhase, JobStatus, type Job, type JobOutput } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { httpErrorInfo } from "../errors/error-table.js";

export const STATUS_NAMES = {
  [JobStatus.UNSPECIFIED]: "unspecified",
  [JobStatus.WAITING]: "waiting",
  [JobStatus.DISPATCHED]: "dispatched",
  [JobStatus.RUNNING]: "running",
  [JobStatus.COMPLETE]: "complete",
  [JobStatus.FAILED]: "failed",
  [JobStatus.CANCELLED]: "cancelled",
} as const satisfies Record<JobStatus, string>;

export type RestStatus = (typeof STATUS_NAMES)[JobStatus];

/** The statuses a client may filter on (UNSPECIFIED is never stored). */
export const LISTABLE_STATUSES = Object.values(STATUS_NAMES).filter((s) => s !== "unspecified");

const PHASE_NAMES = {
  [JobPhase.UNSPECIFIED]: null,
  [JobPhase.DISPATCH]: "dispatch",
  [JobPhase.DOWNLOAD]: "download",
  [JobPhase.PROCESS]: "process",
  [JobPhase.UPLOAD]: "upload",
} as const satisfies Record<JobPhase, string | null>;

export interface RestProgress {
  percent: number;
  step: string;
  message: string;
}

export interface RestJob {
  id: string;
  orgId: string;
  type: string;
  status: RestStatus;
  params: JsonObject;
  inputs: { name: string; url: string; sizeBytes: number; contentType: string }[];
  progress: RestProgress | null;
  steps: { name: string; startedAt: number | null; finishedAt: number | null }[];
  error: { code: string; message: string; detail: string; retryable: boolean; failedPhase: string | null } | null;
  output: {
    data: JsonObject | null;
    files: { name: string; url: string; type: string; size: number; meta: JsonObject | null }[];
    expiresAt: number | null;
  } | null;
  cost: { estimated: number; actual: number };
  attempt: number;
  priority: number;
  idempotencyKey: string | null;
  testMode: boolean;
  cancelRequested: boolean;
  createdAt: number | null;
  dispatchedAt: number | null;
  startedAt: number | null;
  completedAt: number | null;
  updatedAt: number | null;
}

export interface RestJobEvent {
  id: string;
  sequence: number;
  type: string;
  jobId: string;
  status: RestStatus;
  attempt: number;
  occurredAt: number | null;
  /** Set on job.progress events. */
  progress: RestProgress | null;
  /** The job right after the event. */
  data: RestJob | null;
}

/** The org's credits in a balance event, as numbers. */
export interface RestBalanceSnapshot {
  balance: number;
  held: number;
  available: number;
  /** The threshold balance.low crossed; 0 on balance.depleted. */
  threshold: number;
}

/** balance.low / balance.depleted: an org's credits crossed a line; no job. */
export interface RestBalanceEvent {
  type: string;
  id: string;
  sequence: number;
  orgId: string;
  occurredAt: number | null;
  balance: RestBalanceSnapshot;
}

export function millis(ts: Timestamp | undefined): number | null {
  return ts ? timestampMs(ts) : null;
}

export function statusName(status: JobStatus): RestStatus {
  return (STATUS_NAMES as Partial<Record<number, RestStatus>>)[status] ?? "unspecified";
}

function outputJson(output: JobOutput | undefined): RestJob["output"] {
  if (!output) return null;
  return {
    data: output.data ?? null,
    files: output.files.map((f) => ({
      name: f.name,
      url: f.url,
      type: f.contentType,
      size: Number(f.sizeBytes),
      meta: f.meta ?? null,
    })),
    expiresAt: millis(output.expiresAt),
  };
}

function progressJson(progress: Job["progress"]): RestProgress | null {
  return progress ? { percent: progress.percent, step: progress.step, message: progress.message } : null;
}

export function jobJson(job: Job): RestJob {
  return {
    id: job.id,
    orgId: job.orgId,
    type: job.type,
    status: statusName(job.status),
    params: job.params ?? {},
    inputs: job.inputs.map((i) => ({ name: i.name, url: i.url, sizeBytes: Number(i.sizeBytes), contentType: i.contentType })),
    progress: progressJson(job.progress),
    steps: job.steps.map((s) => ({ name: s.name, startedAt: millis(s.startedAt), finishedAt: millis(s.finishedAt) })),
    error: job.error
      ? {
          code: httpErrorInfo(job.error.code).name,
          message: job.error.message,
          detail: job.error.detail,
          retryable: job.error.retryable,
          failedPhase: (PHASE_NAMES as Partial<Record<number, string | null>>)[job.error.failedPhase] ?? null,
        }
      : null,
    output: outputJson(job.output),
    cost: { estimated: Number(job.cost?.estimatedCredits ?? 0n), actual: Number(job.cost?.actualCredits ?? 0n) },
    attempt: job.attempt,
    priority: job.priority,
    idempotencyKey: job.idempotencyKey === "" ? null : job.idempotencyKey,
    testMode: job.testMode,
    cancelRequested: job.cancelRequested,
    createdAt: millis(job.createdAt),
    dispatchedAt: millis(job.dispatchedAt),
    startedAt: millis(job.startedAt),
    completedAt: millis(job.completedAt),
    updatedAt: millis(job.updatedAt),
  };
}

/** True for the org's balance events (balance.low, balance.depleted): they carry `balance`, no job. */
export function isBalanceEvent(event: JobEvent): boolean {
  return event.type.startsWith("balance.");
}

/**
 * Any event of the org's timeline (WatchJobs, JOBPLANE_EVENTS): a job event
 * as RestJobEvent, a balance event as RestBalanceEvent. Use this wherever
 * balance events can arrive; jobEventJson is for one job's timeline.
 */
export function eventJson(event: JobEvent): RestJobEvent | RestBalanceEvent {
  return isBalanceEvent(event) ? balanceEventJson(event) : jobEventJson(event);
}

export function balanceEventJson(event: JobEvent): RestBalanceEvent {
  const b = event.balance;
  return {
    type: event.type,
    id: event.id,
    sequence: Number(event.sequence),
    orgId: event.orgId,
    occurredAt: millis(event.occurredAt),
    balance: {
      balance: Number(b?.balance ?? 0n),
      held: Number(b?.held ?? 0n),
      available: Number(b?.available ?? 0n),
      threshold: Number(b?.threshold ?? 0n),
    },
  };
}

export function jobEventJson(event: JobEvent): RestJobEvent {
  return {
    id: event.id,
    sequence: Number(event.sequence),
    type: event.type,
    jobId: event.jobId,
    status: statusName(event.status),
    attempt: event.attempt,
    occurredAt: millis(event.occurredAt),
    progress: progressJson(event.progress),
    data: event.job ? jobJson(event.job) : null,
  };
}

/** complete, failed, cancelled: the statuses after which a job's stream ends. */
export function isTerminalStatus(status: RestStatus): boolean {
  return status === "complete" || status === "failed" || status === "cancelled";
}
