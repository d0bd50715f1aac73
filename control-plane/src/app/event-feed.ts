/**
 * The EventFeed port: the org's job events in sequence order, history first
 * and then live, for Watch streams (and later WebSocket/SSE through the
 * gateway). An org-wide subscription also gets the org's balance events
 * (balance.low, balance.depleted); one narrowed to a job or to job types
 * does not: those are about jobs, and a balance event has none. A subscriber gets every matching event with a sequence above its
 * starting point exactly once and in order — no gap, no duplicate — which is
 * what lets a client resume from the last sequence it processed.
 */
import type { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { StoredEvent } from "../adapters/postgres/job-store.js";

export interface EventSubscription {
  readonly orgId: string;
  /** Only this job's events (no balance events). */
  readonly jobId?: string;
  /** Only events of jobs of these types (job type names, e.g. "test.echo"; no balance events); empty or absent: all. */
  readonly jobTypes?: readonly string[];
  /** Deliver events with a greater sequence (0n: the whole timeline). */
  readonly afterSequence: bigint;
  /** Ends the subscription cleanly (the iterator returns). */
  readonly signal?: AbortSignal;
}

/** The newest sequenced event of a job. */
export interface JobTimelineHead {
  /** 0n when none of the job's events is sequenced yet. */
  readonly sequence: bigint;
  /** The job's status after that event; UNSPECIFIED when there is none. */
  readonly status: JobStatus;
}

export interface EventFeed {
  /**
   * Replays the matching events after `afterSequence` from the event log,
   * then continues live, until `signal` aborts or the feed stops (the iterator
   * returns) — or the subscriber falls so far behind the live events that its
   * buffer overflows: then it throws RATE_LIMITED "watcher fell behind;
   * resume from sequence N" (N also in metadata.resume_after_sequence).
   */
  subscribe(subscription: EventSubscription): AsyncIterable<StoredEvent>;
  /** The org's newest sequence (0n if none): where "only new events" starts. */
  currentSequence(orgId: string): Promise<bigint>;
  /** The job's newest sequenced event; undefined when the org has no such job. */
  jobTimelineHead(orgId: string, jobId: string): Promise<JobTimelineHead | undefined>;
}
