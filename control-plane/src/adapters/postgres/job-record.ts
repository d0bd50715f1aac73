/**
 * A job as the stores hand it out (JobRecord) and as the outbox stores it
 * (JobSnapshot, the JSON payload of a job_events row). Rows are read with
 * `to_jsonb(jobs)` so timestamps arrive as ISO-8601 and bigints as numbers,
 * whatever the driver's type parsers do.
 */
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { parseStatusName, statusName } from "../../domain/job-status.js";
import type { StoredError, StoredInput, StoredOutput, StoredProgress, StoredStep } from "./job-json.js";
import type { StoredJobStatus } from "./entities/job.js";

export interface JobRecord {
  readonly id: string;
  readonly orgId: string;
  readonly type: string;
  readonly status: JobStatus;
  readonly attempt: number;
  readonly priority: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly inputs: readonly StoredInput[];
  readonly progress: StoredProgress | null;
  readonly steps: readonly StoredStep[];
  readonly error: StoredError | null;
  readonly output: StoredOutput | null;
  readonly estimatedCredits: number;
  readonly actualCredits: number | null;
  /** Credits this job holds right now: its estimate while active, 0 once terminal. */
  readonly heldCredits: number;
  readonly testMode: boolean;
  readonly idempotencyKey: string | null;
  readonly apiKeyId: string | null;
  readonly agentId: string | null;
  readonly cancelRequested: boolean;
  readonly deadlineAt: Date | null;
  /** Incremented by every change of the row. */
  readonly version: number;
  readonly createdAt: Date;
  readonly dispatchedAt: Date | null;
  readonly startedAt: Date | null;
  readonly completedAt: Date | null;
  readonly updatedAt: Date;
}

/** JobRecord as JSON: status by lowercase name, timestamps as ISO-8601 strings. */
export type JobSnapshot = {
  readonly [K in keyof JobRecord]: K extends "status"
    ? StoredJobStatus
    : JobRecord[K] extends Date
      ? string
      : JobRecord[K] extends Date | null
        ? string | null
        : JobRecord[K];
};

/** The jobs row as `to_jsonb(jobs)` renders it. */
export interface JobRowJson {
  readonly id: string;
  readonly org_id: string;
  readonly type: string;
  readonly status: string;
  readonly attempt: number;
  readonly priority: number;
  readonly params: Record<string, unknown>;
  readonly inputs: StoredInput[];
  readonly progress: StoredProgress | null;
  readonly steps: StoredStep[];
  readonly error: StoredError | null;
  readonly output: StoredOutput | null;
  readonly estimated_credits: number;
  readonly actual_credits: number | null;
  readonly held_credits: number;
  readonly test_mode: boolean;
  readonly idempotency_key: string | null;
  readonly api_key_id: string | null;
  readonly agent_id: string | null;
  readonly cancel_requested: boolean;
  readonly deadline_at: string | null;
  readonly version: number;
  readonly created_at: string;
  readonly dispatched_at: string | null;
  readonly started_at: string | null;
  readonly completed_at: string | null;
  readonly updated_at: string;
}

function date(text: string): Date;
function date(text: string | null): Date | null;
function date(text: string | null): Date | null {
  return text === null ? null : new Date(text);
}

function iso(value: Date): string;
function iso(value: Date | null): string | null;
function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

export function jobFromRow(row: JobRowJson): JobRecord {
  const status = parseStatusName(row.status);
  if (status === undefined || status === JobStatus.UNSPECIFIED) {
    throw new Error(`job ${row.id} has an unknown status "${row.status}"`);
  }
  return {
    id: row.id,
    orgId: row.org_id,
    type: row.type,
    status,
    attempt: row.attempt,
    priority: row.priority,
    params: row.params,
    inputs: row.inputs,
    progress: row.progress,
    steps: row.steps,
    error: row.error,
    output: row.output,
    estimatedCredits: Number(row.estimated_credits),
    actualCredits: row.actual_credits === null ? null : Number(row.actual_credits),
    heldCredits: Number(row.held_credits),
    testMode: row.test_mode,
    idempotencyKey: row.idempotency_key,
    apiKeyId: row.api_key_id,
    agentId: row.agent_id,
    cancelRequested: row.cancel_requested,
    deadlineAt: date(row.deadline_at),
    version: row.version,
    createdAt: date(row.created_at),
    dispatchedAt: date(row.dispatched_at),
    startedAt: date(row.started_at),
    completedAt: date(row.completed_at),
    updatedAt: date(row.updated_at),
  };
}

/** The event payload: everything a watcher needs to render the job. */
export function toJobSnapshot(job: JobRecord): JobSnapshot {
  return {
    ...job,
    status: statusName(job.status) as StoredJobStatus,
    deadlineAt: iso(job.deadlineAt),
    createdAt: iso(job.createdAt),
    dispatchedAt: iso(job.dispatchedAt),
    startedAt: iso(job.startedAt),
    completedAt: iso(job.completedAt),
    updatedAt: iso(job.updatedAt),
  };
}
