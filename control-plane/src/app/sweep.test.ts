import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";
import type { ApplyEventResult, JobStore } from "../adapters/postgres/job-store.js";
import { DomainError } from "../domain/domain-error.js";
import type { Effect, LifecycleEvent } from "../domain/lifecycle-event.js";
import type { AfterCommit } from "./after-commit.js";
import { createSweeper, timeoutMessage, type OverdueJob, type SweepStore } from "./sweep.js";

const overdue = (over: Partial<OverdueJob> & { jobId: string }): OverdueJob => ({
  attempt: 1,
  status: JobStatus.RUNNING,
  reason: "deadline",
  agentId: "agt_1",
  since: new Date("2026-01-01T00:00:00Z"),
  queueTtlSeconds: 600,
  ...over,
});

function fakeStore(found: OverdueJob[], leader = true): SweepStore {
  return {
    async asLeader(pass) {
      return leader ? { ran: true, value: await pass() } : { ran: false };
    },
    async findOverdue() {
      return found;
    },
  };
}

function fakeJobs(conflicting: ReadonlySet<string>) {
  const applied: { jobId: string; status: JobStatus; event: LifecycleEvent }[] = [];
  const jobs = {
    async applyEvent(jobId, expected, event): Promise<ApplyEventResult> {
      if (conflicting.has(jobId)) throw new DomainError(ErrorCode.CONFLICT, "moved on");
      applied.push({ jobId, status: expected.status, event });
      const effects: Effect[] = expected.status === JobStatus.RUNNING ? [{ kind: "notifyAgent", reason: "timed out" }] : [];
      return { job: { id: jobId } as JobRecord, effects, eventIds: [] };
    },
  } as Pick<JobStore, "applyEvent"> as JobStore;
  return { jobs, applied };
}

describe("createSweeper", () => {
  it("times out each overdue job once (first reason wins), skips the ones that moved on, runs after-commit", async () => {
    const found = [
      overdue({ jobId: "job_a" }),
      overdue({ jobId: "job_a", reason: "heartbeat" }),
      overdue({ jobId: "job_b", status: JobStatus.DISPATCHED, reason: "queue_ttl" }),
      overdue({ jobId: "job_c", reason: "heartbeat" }),
    ];
    const { jobs, applied } = fakeJobs(new Set(["job_c"]));
    const ran: Effect[][] = [];
    const afterCommit: AfterCommit = { run: async (_job, effects) => void ran.push([...effects]) };
    const sweeper = createSweeper({ store: fakeStore(found), jobs, afterCommit, heartbeatTimeoutMs: 30_000 });

    const result = await sweeper.sweepOnce(new Date());

    expect(result.leader).toBe(true);
    expect(result.skipped).toBe(1);
    expect(result.timedOut.map((j) => j.jobId).sort()).toEqual(["job_a", "job_b"]);
    expect(applied.map((a) => [a.jobId, a.status, a.event.kind]).sort()).toEqual([
      ["job_a", JobStatus.RUNNING, "timedOut"],
      ["job_b", JobStatus.DISPATCHED, "timedOut"],
    ]);
    expect(ran.flat()).toEqual([{ kind: "notifyAgent", reason: "timed out" }]);
  });

  it("does nothing when another instance holds the lock", async () => {
    const { jobs, applied } = fakeJobs(new Set());
    const sweeper = createSweeper({
      store: fakeStore([overdue({ jobId: "job_a" })], false),
      jobs,
      afterCommit: { run: async () => {} },
      heartbeatTimeoutMs: 30_000,
    });
    expect(await sweeper.sweepOnce(new Date())).toEqual({ leader: false, timedOut: [], skipped: 0 });
    expect(applied).toEqual([]);
  });

  it("words each reason", () => {
    expect(timeoutMessage(overdue({ jobId: "j" }), 30_000)).toBe("the job ran past its deadline (2026-01-01T00:00:00.000Z)");
    expect(timeoutMessage(overdue({ jobId: "j", reason: "heartbeat", since: null }), 30_000)).toBe(
      "agent agt_1 stopped heartbeating for more than 30000 ms",
    );
    expect(timeoutMessage(overdue({ jobId: "j", reason: "queue_ttl", queueTtlSeconds: 5 }), 1)).toBe(
      "no agent claimed the job within its queue TTL of 5 s",
    );
  });
});
