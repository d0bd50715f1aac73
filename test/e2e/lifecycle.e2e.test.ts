/**
 * Issue 4 end to end with real processes (two control planes, two agents):
 * cancelling a running job through the other control plane, a handler's
 * failure, and an agent's graceful drain on SIGTERM. After every test the
 * books balance and no terminal job holds credits.
 */
import { describe, expect, it } from "vitest";
import { JobService } from "../../proto/gen/jobplane/v1/job_service_pb.js";
import { jobLedger, jobRow, jobTimeline, useLifecycleStack, until, type LifecycleStack } from "../support/lifecycle-stack.js";

const ALL_TYPES = ["test.echo", "test.sleep", "test.fail"];
/** test.sleep holds base 1 + 1/s × its 300 s max execution. */
const SLEEP_HOLD = 301;

const currentStack = useLifecycleStack();

async function balance(s: LifecycleStack): Promise<{ balance: string; held: string }> {
  const [row] = await s.query<{ balance: string; held: string }>("select balance::text, held::text from credit_accounts where org_id = $1", [s.orgId]);
  return row!;
}

const statusIs = (s: LifecycleStack, id: string, status: string) => async () => {
  const job = await jobRow(s, id);
  return job.status === status ? job : undefined;
};

describe("lifecycle end to end: control", () => {
  it("cancel of a running test.sleep through the other control plane ends CANCELLED within a second, hold released", async () => {
    const s = currentStack();
    await Promise.all([s.startAgent({ types: ALL_TYPES, cp: 0 }), s.startAgent({ types: ALL_TYPES, cp: 1 })]);
    const before = await balance(s);
    const { job } = await s.client(JobService, 0, s.apiKeys[0]!).submitJob({ type: "test.sleep", params: { seconds: 30 } });
    const running = await until("job RUNNING", Date.now() + 20_000, statusIs(s, job!.id, "running"));
    const agent = s.agents.find((a) => a.agentId === running.agent_id)!;
    // The agent's session is on agent.cp; the cancel goes to the other instance.
    const other = s.client(JobService, 1 - agent.cp, s.apiKeys[0]!);

    await other.cancelJob({ id: job!.id });
    const returned = Date.now();
    const cancelled = await until("job CANCELLED", returned + 1000, statusIs(s, job!.id, "cancelled"));
    console.log(`cancel returned → CANCELLED in ${Date.now() - returned} ms`);
    expect(cancelled.held_credits).toBe("0");
    expect(cancelled.actual_credits ?? "0").toBe("0");
    expect(await jobLedger(s, job!.id)).toEqual([`hold ${SLEEP_HOLD}`, `release ${SLEEP_HOLD}`]);
    expect(await balance(s)).toEqual(before);
    expect(await jobTimeline(s, job!.id)).toEqual(["job.created", "job.dispatched", "job.started", "job.cancel_requested", "job.cancelled"]);
    expect(agent.process.child.exitCode).toBeNull();
  }, 60_000);

  it("test.fail ends FAILED PROVIDER_ERROR with its message and log tail, hold released, nothing charged", async () => {
    const s = currentStack();
    await Promise.all([s.startAgent({ types: ALL_TYPES, cp: 0 }), s.startAgent({ types: ALL_TYPES, cp: 1 })]);
    const before = await balance(s);
    const { job } = await s
      .client(JobService, 1, s.apiKeys[0]!)
      .submitJob({ type: "test.fail", params: { code: "PROVIDER_ERROR", message: "boom from the e2e test" } });
    const failed = await until("job FAILED", Date.now() + 20_000, statusIs(s, job!.id, "failed"));
    expect(failed.error).toMatchObject({ code: "PROVIDER_ERROR", message: "boom from the e2e test", retryable: true, phase: "PROCESS" });
    expect(failed.error!.detail).toContain("test.fail: failing with PROVIDER_ERROR: boom from the e2e test");
    expect(failed.actual_credits ?? "0").toBe("0");
    expect(await jobLedger(s, job!.id)).toEqual(["hold 1", "release 1"]);
    expect(await balance(s)).toEqual(before);
    expect(await jobTimeline(s, job!.id)).toEqual(["job.created", "job.dispatched", "job.started", "job.failed"]);

    // What the API shows matches.
    const { job: shown } = await s.client(JobService, 0, s.apiKeys[0]!).getJob({ id: job!.id });
    expect(shown!.error?.message).toBe("boom from the e2e test");
  }, 60_000);

  it("SIGTERM drains an agent: the short job completes, the long one fails PROVIDER_ERROR 'agent shutting down', exit 0", async () => {
    const s = currentStack();
    // Only the draining agent serves test.sleep, so both jobs run on it.
    const [draining] = await Promise.all([
      s.startAgent({ types: ["test.sleep"], cp: 0, slots: 2, graceMs: 2000 }),
      s.startAgent({ types: ["test.echo", "test.fail"], cp: 1 }),
    ]);
    const api = s.client(JobService, 1, s.apiKeys[0]!);
    const [{ job: long }, { job: short }] = await Promise.all([
      api.submitJob({ type: "test.sleep", params: { seconds: 30 } }),
      api.submitJob({ type: "test.sleep", params: { seconds: 0.5 } }),
    ]);
    await until("both jobs RUNNING", Date.now() + 20_000, async () => {
      const rows = await s.query<{ n: number }>(
        "select count(*)::int as n from jobs where id = any($1) and status = 'running' and agent_id = $2",
        [[long!.id, short!.id], draining!.agentId],
      );
      return rows[0]!.n === 2 ? true : undefined;
    });

    const signalled = Date.now();
    expect(await draining!.process.stop("SIGTERM")).toBe(0);
    console.log(`SIGTERM → agent exited in ${Date.now() - signalled} ms`);
    // The agent flushed its results before exiting: nothing is left RUNNING.
    const [longRow, shortRow] = [await jobRow(s, long!.id), await jobRow(s, short!.id)];
    expect(shortRow.status).toBe("complete");
    expect(longRow.status).toBe("failed");
    expect(longRow.error).toMatchObject({ code: "PROVIDER_ERROR", message: "agent shutting down", retryable: true });
    expect(await jobLedger(s, long!.id)).toEqual([`hold ${SLEEP_HOLD}`, `release ${SLEEP_HOLD}`]);
    expect(await jobLedger(s, short!.id)).toEqual([`hold ${SLEEP_HOLD}`, "capture 2", `release ${SLEEP_HOLD - 2}`]);
    expect(await jobTimeline(s, long!.id)).toEqual(["job.created", "job.dispatched", "job.started", "job.failed"]);
    expect(draining!.process.output()).toContain('"msg":"agent stopped"');
  }, 60_000);
});
