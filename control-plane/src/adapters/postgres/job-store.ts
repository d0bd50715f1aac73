/**
 * The JobStore port: how the app layer saves jobs and moves them through the
 * state machine. Every method is one transaction; a transition's credit
 * movements and outbox events commit with it or not at all.
 */
import type { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import type { BalanceSnapshot } from "../../domain/balance-alerts.js";
import type { Effect, LifecycleEvent } from "../../domain/lifecycle-event.js";
import type { StoredInput, StoredOutput } from "./job-json.js";
import type { JobRecord, JobSnapshot } from "./job-record.js";

export interface SubmitJobInput {
  /** Default: a new `job_…` id. */
  readonly id?: string;
  readonly orgId: string;
  readonly type: string;
  readonly priority?: number;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly inputs?: readonly StoredInput[];
  /** Credits to hold now (pricing.estimateCost); 0 holds nothing (test mode). */
  readonly estimatedCredits: number;
  readonly testMode?: boolean;
  /** A repeat with the same key for the org returns the original job and holds nothing. */
  readonly idempotencyKey?: string | null;
  readonly apiKeyId?: string | null;
}

export interface SubmitJobResult {
  readonly job: JobRecord;
  /** False when the idempotency key matched an existing job. */
  readonly created: boolean;
  /** Effects to carry out after the commit (publishDispatch); empty when not created. */
  readonly effects: readonly Effect[];
}

/** The state the caller saw; the transition applies only if the job is still in it. */
export interface ExpectedJobState {
  readonly status: JobStatus;
  readonly attempt: number;
  /** Also require the job's type to be one of these (a claim: the types the agent serves). */
  readonly types?: readonly string[];
}

/** Facts a transition needs that the event itself does not carry. */
export interface ApplyEventContext {
  /** Price of the finished attempt (pricing.actualCost); required when the transition captures. */
  readonly actualCredits?: number;
  /** New hold for a retry (pricing.estimateCost); default: the job's estimated_credits. */
  readonly estimatedCredits?: number;
  /** What a completed job produced. */
  readonly output?: StoredOutput;
  /** Deadline of a claimed attempt; default: claimedAt + the job type's max_execution_seconds. */
  readonly deadlineAt?: Date;
  /** When the attempt was claimed, by the caller's clock; default: the database's now(). */
  readonly claimedAt?: Date;
}

export interface ApplyEventResult {
  readonly job: JobRecord;
  /** Effects to carry out after the commit: publishDispatch, notifyAgent. */
  readonly effects: readonly Effect[];
  /** The outbox rows written, in order. */
  readonly eventIds: readonly string[];
}

/** What every outbox row has. */
interface StoredEventRow {
  readonly id: string;
  readonly eventId: string;
  readonly orgId: string;
  readonly type: string;
  readonly occurredAt: Date;
  readonly sequence: string | null;
  readonly publishedAt: Date | null;
}

/** One outbox row about a job (job.*), as stored. */
export interface StoredJobEvent extends StoredEventRow {
  readonly jobId: string;
  readonly attempt: number;
  readonly status: string;
  readonly payload: JobSnapshot;
}

/** One outbox row about an org's credits (balance.*): no job, attempt or status. */
export interface StoredBalanceEvent extends StoredEventRow {
  readonly jobId: null;
  readonly attempt: null;
  readonly status: null;
  readonly payload: BalanceSnapshot;
}

/** Any outbox row; `jobId === null` tells a balance event from a job event. */
export type StoredEvent = StoredJobEvent | StoredBalanceEvent;

export interface JobStore {
  /**
   * Saves a new WAITING job, holding its estimate on the org's account
   * (INSUFFICIENT_CREDITS when balance − held is short) and writing its
   * `job.created` event.
   */
  submitJob(input: SubmitJobInput): Promise<SubmitJobResult>;
  /**
   * Applies `event` to the job if it is still in `expected` (else CONFLICT;
   * NOT_FOUND if there is no such job). Exactly one of any number of
   * concurrent callers with the same expectation wins.
   */
  applyEvent(
    jobId: string,
    expected: ExpectedJobState,
    event: LifecycleEvent,
    ctx?: ApplyEventContext,
  ): Promise<ApplyEventResult>;
  getJob(jobId: string): Promise<JobRecord | undefined>;
  /** The job's outbox rows in insertion order. */
  listJobEvents(jobId: string): Promise<StoredJobEvent[]>;
}
