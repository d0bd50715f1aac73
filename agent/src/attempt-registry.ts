/**
 * The attempts this agent holds, keyed "jobId/attempt". An attempt stays here
 * from its accepted claim until its result is acknowledged, so heartbeats
 * list it as running for exactly as long as the control plane thinks so.
 * Cancels are matched on the full key: a late CancelAttempt for attempt 1
 * never reaches attempt 2 of the same job.
 */
import { attemptKey, type AttemptRef, type AttemptRun } from "./attempt-runner.js";

export type CancelResult = "cancelled" | "already-ended" | "unknown";

export class AttemptRegistry {
  private readonly runs = new Map<string, AttemptRun>();

  get size(): number {
    return this.runs.size;
  }

  has(ref: AttemptRef): boolean {
    return this.runs.has(attemptKey(ref));
  }

  add(run: AttemptRun): void {
    if (this.runs.has(run.key)) throw new Error(`attempt ${run.key} is already running`);
    this.runs.set(run.key, run);
  }

  /** Removes `run` (and only that object: a newer run under the same key stays). */
  delete(run: AttemptRun): void {
    if (this.runs.get(run.key) === run) this.runs.delete(run.key);
  }

  cancel(ref: AttemptRef, reason: string): CancelResult {
    const run = this.runs.get(attemptKey(ref));
    if (!run) return "unknown";
    return run.cancel(reason) ? "cancelled" : "already-ended";
  }

  /** Aborts every attempt still running; returns how many it aborted. */
  shutdownAll(): number {
    let n = 0;
    for (const run of this.runs.values()) if (run.shutdown()) n++;
    return n;
  }

  /** The attempts to list in a heartbeat. */
  refs(): AttemptRef[] {
    return [...this.runs.values()].map((r) => ({ jobId: r.jobId, attempt: r.attempt }));
  }

  /** Attempts whose handler has not ended yet. */
  running(): AttemptRun[] {
    return [...this.runs.values()].filter((r) => !r.settled);
  }
}
