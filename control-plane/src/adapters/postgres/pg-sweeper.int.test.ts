import { describe, expect, it } from "vitest";
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { markDispatched, markRunning, seedAgentWithToken, submitPriced } from "../../../../test/support/agent-fixtures.js";
import { withDeadline } from "../../../../test/support/agent-session-driver.js";
import { seedJobType, seedOrg } from "../../../../test/support/db-fixtures.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import type { AfterCommit } from "../../app/after-commit.js";
import { createSweeper, type SweepStore } from "../../app/sweep.js";
import type { Effect } from "../../domain/lifecycle-event.js";
import { createPgAgentStore } from "./pg-agent-store.js";
import { createPgCreditLedger } from "./pg-credit-ledger.js";
import { createPgJobStore } from "./pg-job-store.js";
import { createPgSweepStore } from "./pg-sweeper.js";
import type { JobRecord } from "./job-record.js";

const PRICE = { baseCredits: 1, creditsPerSecond: 1, maxExecutionSeconds: 60 };
const HOLD = 61;
const HEARTBEAT_TIMEOUT_MS = 30_000;
const SECOND = 1000;

describe("the sweeper on PostgreSQL", () => {
  const db = useTestDatabase({ poolSize: 20 });

  async function setup(credits = 10_000) {
    const orm = db.orm;
    const orgId = await seedOrg(orm, { credits });
    const type = await seedJobType(orm, { name: "sweep.work", ...PRICE, queueTtlSeconds: 600 });
    const jobs = createPgJobStore(orm);
    const agents = createPgAgentStore(orm);
    const notified: { jobId: string; effects: Effect[] }[] = [];
    const afterCommit: AfterCommit = {
      run: async (job, effects) => void notified.push({ jobId: job.id, effects: [...effects] }),
    };
    const sweeper = (store: SweepStore = createPgSweepStore(orm)) =>
      createSweeper({ store, jobs, afterCommit, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS });
    const submit = (jobType = type) => submitPriced(jobs, { orgId, type: jobType, price: PRICE });
    /** A RUNNING job on `agentId` whose deadline is `deadlineAt`. */
    const running = async (agentId: string, deadlineAt: Date) => markRunning(jobs, await markDispatched(jobs, await submit()), agentId, deadlineAt);
    const agent = async (lastHeartbeatAt: Date) => {
      const { agentId } = await seedAgentWithToken(orm, [type]);
      await agents.touch(agentId, lastHeartbeatAt);
      return agentId;
    };
    return { orgId, type, jobs, agents, notified, sweeper, submit, running, agent, ledger: createPgCreditLedger(orm) };
  }

  const at = (base: number, offsetMs: number) => new Date(base + offsetMs);

  it("fails a RUNNING job past its deadline with PROVIDER_TIMEOUT, releases its hold and tells the agent", async () => {
    const s = await setup(1000);
    const t0 = Date.now();
    const agentId = await s.agent(at(t0, 61 * SECOND));
    const late = await s.running(agentId, at(t0, 60 * SECOND));
    const onTime = await s.running(agentId, at(t0, 120 * SECOND));
    expect(await s.ledger.getBalance(s.orgId)).toMatchObject({ held: 2 * HOLD });

    const result = await s.sweeper().sweepOnce(at(t0, 61 * SECOND));

    expect(result).toMatchObject({ leader: true, skipped: 0 });
    expect(result.timedOut.map((j) => [j.jobId, j.reason])).toEqual([[late.id, "deadline"]]);
    expect(await s.jobs.getJob(late.id)).toMatchObject({
      status: JobStatus.FAILED,
      heldCredits: 0,
      actualCredits: 0,
      error: { code: "PROVIDER_TIMEOUT", phase: "PROCESS", retryable: true },
    });
    expect((await s.jobs.getJob(late.id))!.error!.message).toMatch(/deadline/);
    expect((await s.jobs.getJob(onTime.id))!.status).toBe(JobStatus.RUNNING);
    expect(await s.ledger.getBalance(s.orgId)).toEqual({ balance: 1000, held: HOLD, available: 1000 - HOLD });
    expect(s.notified).toEqual([{ jobId: late.id, effects: [{ kind: "notifyAgent", reason: "timed out" }] }]);
    expect((await s.jobs.listJobEvents(late.id)).at(-1)).toMatchObject({ type: "job.failed", status: "failed" });
  });

  it("fails the RUNNING jobs of an agent that stopped heartbeating, not those of a live agent", async () => {
    const s = await setup(1000);
    const t0 = Date.now();
    const silent = await s.agent(at(t0, 0));
    const alive = await s.agent(at(t0, 40 * SECOND));
    const lost = await s.running(silent, at(t0, 3600 * SECOND));
    const fine = await s.running(alive, at(t0, 3600 * SECOND));

    const result = await s.sweeper().sweepOnce(at(t0, 40 * SECOND));

    expect(result.timedOut.map((j) => [j.jobId, j.reason])).toEqual([[lost.id, "heartbeat"]]);
    const failed = await s.jobs.getJob(lost.id);
    expect(failed).toMatchObject({ status: JobStatus.FAILED, heldCredits: 0, error: { code: "PROVIDER_TIMEOUT" } });
    expect(failed!.error!.message).toContain(`agent ${silent} stopped heartbeating`);
    expect((await s.jobs.getJob(fine.id))!.status).toBe(JobStatus.RUNNING);
    expect(await s.ledger.getBalance(s.orgId)).toEqual({ balance: 1000, held: HOLD, available: 1000 - HOLD });
  });

  it("fails a DISPATCHED job past its type's queue TTL (phase DISPATCH, nobody to notify), not one within it", async () => {
    const s = await setup(1000);
    await seedJobType(db.orm, { name: "sweep.patient", ...PRICE, queueTtlSeconds: 3600 });
    const stale = await markDispatched(s.jobs, await s.submit());
    const patient = await markDispatched(s.jobs, await s.submit("sweep.patient"));
    const waiting = await s.submit();

    const result = await s.sweeper().sweepOnce(at(Date.now(), 700 * SECOND));

    expect(result.timedOut.map((j) => [j.jobId, j.reason])).toEqual([[stale.id, "queue_ttl"]]);
    expect(await s.jobs.getJob(stale.id)).toMatchObject({
      status: JobStatus.FAILED,
      heldCredits: 0,
      error: { code: "PROVIDER_TIMEOUT", phase: "DISPATCH", message: "no agent claimed the job within its queue TTL of 600 s" },
    });
    expect((await s.jobs.getJob(patient.id))!.status).toBe(JobStatus.DISPATCHED);
    expect((await s.jobs.getJob(waiting.id))!.status).toBe(JobStatus.WAITING);
    expect(s.notified).toEqual([{ jobId: stale.id, effects: [] }]);
    expect(await s.ledger.getBalance(s.orgId)).toEqual({ balance: 1000, held: 2 * HOLD, available: 1000 - 2 * HOLD });
  });

  it("leaves alone a job that completes between the pass finding it and failing it", async () => {
    const s = await setup(1000);
    const t0 = Date.now();
    const agentId = await s.agent(at(t0, 61 * SECOND));
    const job = await s.running(agentId, at(t0, 60 * SECOND));
    const real = createPgSweepStore(db.orm);
    const racing: SweepStore = {
      asLeader: (pass) => real.asLeader(pass),
      async findOverdue(now, timeoutMs, limit) {
        const found = await real.findOverdue(now, timeoutMs, limit);
        // The agent's result lands right after the pass read the job.
        await s.jobs.applyEvent(job.id, { status: JobStatus.RUNNING, attempt: 1 }, { kind: "completed", usageSeconds: 4 }, {
          actualCredits: 5,
        });
        return found;
      },
    };

    const result = await s.sweeper(racing).sweepOnce(at(t0, 61 * SECOND));

    expect(result).toMatchObject({ leader: true, timedOut: [], skipped: 1 });
    expect(await s.jobs.getJob(job.id)).toMatchObject({ status: JobStatus.COMPLETE, actualCredits: 5, error: null });
    expect(await s.ledger.getBalance(s.orgId)).toEqual({ balance: 995, held: 0, available: 995 });
    expect(s.notified).toEqual([]);
  });

  it("lets one of two sweepers sweep at a time, and fails each overdue job exactly once", async () => {
    const s = await setup();
    const t0 = Date.now();
    const agentId = await s.agent(at(t0, 61 * SECOND));
    const overdue: JobRecord[] = [];
    for (let i = 0; i < 10; i++) overdue.push(await s.running(agentId, at(t0, 60 * SECOND)));
    const now = at(t0, 61 * SECOND);

    // Instance A holds the lock while instance B tries: B must not sweep.
    const realA = createPgSweepStore(db.orm);
    let letAGo!: () => void;
    const gate = new Promise<void>((resolve) => (letAGo = resolve));
    let aHoldsLock!: () => void;
    const aLocked = new Promise<void>((resolve) => (aHoldsLock = resolve));
    const slowA: SweepStore = {
      asLeader: (pass) => realA.asLeader(pass),
      async findOverdue(...args) {
        aHoldsLock();
        await gate;
        return realA.findOverdue(...args);
      },
    };
    const a = s.sweeper(slowA).sweepOnce(now);
    await withDeadline(aLocked, 10_000, "sweeper A to take the lock");
    const b = await s.sweeper().sweepOnce(now);
    letAGo();
    const resultA = await a;

    expect(b).toEqual({ leader: false, timedOut: [], skipped: 0 });
    expect(resultA.leader).toBe(true);
    expect(resultA.timedOut.map((j) => j.jobId).sort()).toEqual(overdue.map((j) => j.id).sort());

    // Two more passes at once find nothing left to do.
    const again = await Promise.all([s.sweeper().sweepOnce(now), s.sweeper().sweepOnce(now)]);
    expect(again.flatMap((r) => r.timedOut)).toEqual([]);
    for (const job of overdue) {
      const failedEvents = (await s.jobs.listJobEvents(job.id)).filter((e) => e.type === "job.failed");
      expect(failedEvents).toHaveLength(1);
    }
  });
});
