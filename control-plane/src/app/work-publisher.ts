/**
 * The WorkPublisher port: hands WAITING jobs to the agents' work queue
 * (JetStream in production). A publish is idempotent per attempt (the
 * message id is `<jobId>:<attempt>`), so publishing again after a crash or a
 * lost ack never dispatches an attempt twice within the dedup window.
 */

/** A WAITING job the dispatcher chose to publish. */
export interface DispatchCandidate {
  readonly jobId: string;
  readonly orgId: string;
  readonly type: string;
  readonly attempt: number;
  readonly priority: number;
}

export type PublishOutcome =
  /** The queue stored the message (or already had it: `duplicate`). */
  | { readonly job: DispatchCandidate; readonly ok: true; readonly duplicate: boolean }
  /** Not stored (queue unreachable, timeout, no stream): the job stays WAITING. */
  | { readonly job: DispatchCandidate; readonly ok: false; readonly error: unknown };

export interface WorkPublisher {
  /** Publishes every job, concurrently; one outcome per job, in order. Never rejects. */
  publishAll(jobs: readonly DispatchCandidate[]): Promise<readonly PublishOutcome[]>;
}

/** The JetStream message id of one attempt's dispatch. */
export const dispatchMsgId = (job: { readonly jobId: string; readonly attempt: number }): string =>
  `${job.jobId}:${job.attempt}`;
