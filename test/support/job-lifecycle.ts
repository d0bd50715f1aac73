/**
 * Drives jobs through their lifecycle straight through the JobStore, for tests
 * that need many outbox events (sequencing, watching) without the RPC layer.
 */
import { JobStatus } from "../../proto/gen/jobplane/v1/job_pb.js";
import type { JobStore } from "../../control-plane/src/adapters/postgres/job-store.js";
import type { Orm } from "../../control-plane/src/adapters/postgres/orm.js";
import { seedAgent } from "./db-fixtures.js";

/** Events a job gets from driveToCompletion, in order. */
export const COMPLETED_TIMELINE = [
  "job.created",
  "job.dispatched",
  "job.started",
  "job.progress",
  "job.completed",
] as const;

/** WAITING → DISPATCHED → RUNNING → (progress) → COMPLETE: four transactions, four events. */
export async function driveToCompletion(orm: Orm, store: JobStore, jobId: string, type: string): Promise<void> {
  const agentId = await seedAgent(orm, [type]);
  await store.applyEvent(jobId, { status: JobStatus.WAITING, attempt: 1 }, { kind: "published" });
  await store.applyEvent(jobId, { status: JobStatus.DISPATCHED, attempt: 1 }, { kind: "claimed", agentId });
  await store.applyEvent(
    jobId,
    { status: JobStatus.RUNNING, attempt: 1 },
    { kind: "progressed", progress: { percent: 50, step: "work", message: "half way" } },
  );
  await store.applyEvent(jobId, { status: JobStatus.RUNNING, attempt: 1 }, { kind: "completed", usageSeconds: 1 }, {
    actualCredits: 1,
  });
}

/** Submits `count` jobs at once (each its own transaction) and returns their ids. */
export async function submitJobs(store: JobStore, orgId: string, type: string, count: number): Promise<string[]> {
  const results = await Promise.all(
    Array.from({ length: count }, () => store.submitJob({ orgId, type, estimatedCredits: 1 })),
  );
  return results.map((r) => r.job.id);
}

/**
 * Polls `check` until it returns a value other than undefined, failing after
 * `timeoutMs` with `what` in the message. For waiting on asynchronous effects
 * (a row sequenced, an event delivered) without a fixed sleep.
 */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
