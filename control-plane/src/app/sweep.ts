/**
 * The sweeper: the control plane's own enforcement of time limits (the agent
 * enforces max execution locally too, but a dead agent enforces nothing).
 * One pass, run by one instance at a time (the store's leader lock), finds
 * and fails with PROVIDER_TIMEOUT — the state machine releases the hold and,
 * for RUNNING jobs, tells the agent to stop:
 *
 *   - RUNNING past deadline_at (claim time + the type's max execution);
 *   - RUNNING on an agent whose last heartbeat is older than the heartbeat
 *     timeout (the agent died, hung or lost its network);
 *   - DISPATCHED for longer than the type's queue TTL (no agent took it).
 *
 * Each is one guarded transition expecting the status and attempt the pass
 * saw, so a job that completed, was cancelled or was claimed meanwhile is
 * skipped, and two overlapping passes cannot fail a job twice. A pass handles
 * at most `batchSize` jobs; the rest wait for the next pass (2 min by
 * default), which keeps one pass's transaction-holding lock short.
 */
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { JobStore } from "../adapters/postgres/job-store.js";
import type { AfterCommit } from "./after-commit.js";
import { isConflict } from "./attempt-outcome.js";

export type OverdueReason = "deadline" | "heartbeat" | "queue_ttl";

/** A job the store found overdue, with the facts that make it so. */
export interface OverdueJob {
  readonly jobId: string;
  readonly attempt: number;
  readonly status: JobStatus;
  readonly reason: OverdueReason;
  readonly agentId: string | null;
  /** deadline: deadline_at; heartbeat: the agent's last heartbeat (null: never); queue_ttl: dispatched_at. */
  readonly since: Date | null;
  readonly queueTtlSeconds: number;
}

export interface SweepStore {
  /**
   * Runs `pass` while holding the cluster-wide sweeper lock, or returns
   * `{ ran: false }` at once when another instance holds it.
   */
  asLeader<T>(pass: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  /** Overdue jobs at `now`, up to `limit` rows (a job may appear once per reason). */
  findOverdue(now: Date, heartbeatTimeoutMs: number, limit: number): Promise<OverdueJob[]>;
}

export interface SweepResult {
  /** False when another instance was sweeping: this pass did nothing. */
  readonly leader: boolean;
  /** Jobs this pass failed. */
  readonly timedOut: readonly OverdueJob[];
  /** Overdue jobs that moved on before their guarded update (someone else won). */
  readonly skipped: number;
}

export interface Sweeper {
  sweepOnce(now: Date): Promise<SweepResult>;
}

export interface SweeperDeps {
  readonly store: SweepStore;
  readonly jobs: JobStore;
  readonly afterCommit: AfterCommit;
  readonly heartbeatTimeoutMs: number;
  /** Most jobs one pass handles (default 1000). */
  readonly batchSize?: number;
  /** Guarded updates in flight at once (default 8). */
  readonly concurrency?: number;
  readonly onError?: (err: unknown, job: OverdueJob) => void;
}

/** The message stored on the failed job. Pure. */
export function timeoutMessage(job: OverdueJob, heartbeatTimeoutMs: number): string {
  switch (job.reason) {
    case "deadline":
      return `the job ran past its deadline${job.since ? ` (${job.since.toISOString()})` : ""}`;
    case "heartbeat":
      return (
        `agent ${job.agentId ?? "?"} stopped heartbeating for more than ${heartbeatTimeoutMs} ms` +
        (job.since ? ` (last heartbeat ${job.since.toISOString()})` : "")
      );
    case "queue_ttl":
      return `no agent claimed the job within its queue TTL of ${job.queueTtlSeconds} s`;
  }
}

/** The first reason per job, in the store's order (one job can be overdue for two reasons). */
function uniqueJobs(found: readonly OverdueJob[]): OverdueJob[] {
  const seen = new Map<string, OverdueJob>();
  for (const job of found) if (!seen.has(job.jobId)) seen.set(job.jobId, job);
  return [...seen.values()];
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function createSweeper(deps: SweeperDeps): Sweeper {
  const batchSize = deps.batchSize ?? 1000;
  const concurrency = deps.concurrency ?? 8;

  async function pass(now: Date): Promise<Omit<SweepResult, "leader">> {
    const overdue = uniqueJobs(await deps.store.findOverdue(now, deps.heartbeatTimeoutMs, batchSize));
    const timedOut: OverdueJob[] = [];
    let skipped = 0;
    await forEachLimited(overdue, concurrency, async (job) => {
      try {
        const result = await deps.jobs.applyEvent(
          job.jobId,
          { status: job.status, attempt: job.attempt },
          { kind: "timedOut", message: timeoutMessage(job, deps.heartbeatTimeoutMs) },
        );
        timedOut.push(job);
        await deps.afterCommit.run(result.job, result.effects);
      } catch (err) {
        if (isConflict(err)) skipped++;
        else deps.onError?.(err, job);
      }
    });
    return { timedOut, skipped };
  }

  return {
    async sweepOnce(now) {
      const outcome = await deps.store.asLeader(() => pass(now));
      return outcome.ran ? { leader: true, ...outcome.value } : { leader: false, timedOut: [], skipped: 0 };
    },
  };
}
