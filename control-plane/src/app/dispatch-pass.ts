/**
 * One dispatcher pass: choose WAITING jobs fairly within every org's plan
 * concurrency, publish them, and mark DISPATCHED the ones the queue acked.
 *
 * The whole pass runs inside the store's exclusive section (one transaction
 * holding an advisory lock across all control-plane instances): capacity is
 * read, jobs are published and marked under the same lock, so two instances
 * never both fill the same free slot. A pass that finds the lock taken does
 * nothing; the instance holding it runs again for whatever woke this one
 * (every wake-up is a NOTIFY all instances receive, see dispatcher.ts).
 *
 * Fairness (pickWaiting): for each org with waiting jobs, free = plan limit −
 * (its DISPATCHED + RUNNING); jobs are taken round-robin across orgs — every
 * org's best job (priority desc, then oldest) before any org's second — so an
 * org with 10,000 waiting jobs delays another org's job by at most one slot.
 *
 * Failure: a job whose publish failed stays WAITING and is tried again by a
 * later pass; a job published but whose marking did not commit is published
 * again (same message id: the queue drops the duplicate) and marked then.
 * The marking is guarded per job (WAITING + attempt): a job cancelled, or
 * already marked by a claiming agent that won the race with the ack, is left
 * alone.
 */
import type { DispatchCandidate, WorkPublisher } from "./work-publisher.js";

/** What one pass does inside the exclusive section. */
export interface DispatchTx {
  /** Up to `limit` WAITING jobs, fairly ordered (see above), within each org's free slots. */
  pickWaiting(limit: number): Promise<DispatchCandidate[]>;
  /** WAITING → DISPATCHED for each job still WAITING on that attempt; returns the ids marked. */
  markDispatched(jobs: readonly DispatchCandidate[]): Promise<string[]>;
}

export interface DispatchStore {
  /** Runs `fn` exclusively across instances and commits; undefined when another instance holds the lock. */
  exclusive<T>(fn: (tx: DispatchTx) => Promise<T>): Promise<T | undefined>;
}

export interface DispatchPassResult {
  /** False: another instance was dispatching; nothing was done. */
  readonly locked: boolean;
  readonly picked: number;
  /** Acked by the queue (duplicates included). */
  readonly published: number;
  /** Marked DISPATCHED by this pass. */
  readonly dispatched: number;
  /** Publishes that failed; those jobs stay WAITING. */
  readonly failed: number;
  /** The first publish error, for the log. */
  readonly error?: unknown;
  /** The batch was full: more jobs may be waiting. */
  readonly more: boolean;
}

export interface DispatchPassDeps {
  readonly store: DispatchStore;
  readonly publisher: WorkPublisher;
  /** Jobs per pass (one transaction); default 500. */
  readonly batchSize?: number;
}

export const DEFAULT_DISPATCH_BATCH = 500;

export async function runDispatchPass(deps: DispatchPassDeps): Promise<DispatchPassResult> {
  const batchSize = deps.batchSize ?? DEFAULT_DISPATCH_BATCH;
  const result = await deps.store.exclusive(async (tx) => {
    const picked = await tx.pickWaiting(batchSize);
    if (picked.length === 0) return { locked: true, picked: 0, published: 0, dispatched: 0, failed: 0, more: false };
    const outcomes = await deps.publisher.publishAll(picked);
    const acked = outcomes.filter((o) => o.ok).map((o) => o.job);
    const failures = outcomes.filter((o) => !o.ok);
    const marked = acked.length > 0 ? await tx.markDispatched(acked) : [];
    return {
      locked: true,
      picked: picked.length,
      published: acked.length,
      dispatched: marked.length,
      failed: failures.length,
      error: failures[0]?.error,
      more: picked.length === batchSize && failures.length === 0,
    };
  });
  return result ?? { locked: false, picked: 0, published: 0, dispatched: 0, failed: 0, more: false };
}
