/**
 * AgentService, part 2 of 3: what an agent reports about a claimed attempt —
 * progress (throttled per attempt, late reports refused), complete (usage
 * priced, capped at the hold, free in test mode, output stored) and fail
 * (code, detail and phase recorded; cancelled reports) — with the credits each
 * settles. Harness: test/support/agent-service-harness.ts. The other parts:
 * agent-service-register-claim.int.test.ts and agent-service-cancel.int.test.ts.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase, JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { ECHO_HOLD as HOLD, useAgentServiceHarness } from "../../../../test/support/agent-service-harness.js";
import { as } from "../../../../test/support/agent-session-driver.js";

describe("AgentService", () => {
  const { time, server, setup, agentSession, claim } = useAgentServiceHarness();

  describe("progress", () => {
    it("stores at most one report per throttle window and the latest one when the next window opens", async () => {
      const { store, submit } = await setup();
      const { session } = await agentSession(await server());
      const job = await submit();
      as(await claim(session, job), "claimAccepted");
      const progress = (percent: number) =>
        session.request({
          case: "progress",
          value: { ref: { jobId: job.id, attempt: 1 }, progress: { percent, step: `step ${percent}`, message: "" } },
        });

      // Window 1 (t = 0 … 999): the first report is stored, the rest deferred; the latest (6) is kept.
      const first = await Promise.all([1, 2, 3, 4, 5].map(progress));
      expect(first.map((r) => as(r, "ack").accepted)).toEqual([true, false, false, false, false]);
      time.nowMs += 500;
      expect(as(await progress(6), "ack").accepted).toBe(false);
      // t = 1000: the window ended, so 6 is stored first; 7 falls into the new window and waits.
      time.nowMs += 500;
      expect(as(await progress(7), "ack").accepted).toBe(false);
      // t = 2500: any message (here a heartbeat) flushes 7.
      time.nowMs += 1500;
      as(await session.request({ case: "heartbeat", value: { running: [{ jobId: job.id, attempt: 1 }] } }), "ack");
      // A result is handled after the attempt's earlier messages, so by its Ack the flush is stored.
      expect(as(await session.request({ case: "complete", value: { ref: { jobId: job.id, attempt: 1 }, usageSeconds: 1 } }), "ack").accepted).toBe(true);

      const events = await store.listJobEvents(job.id);
      expect(events.map((e) => e.type)).toEqual([
        "job.created",
        "job.dispatched",
        "job.started",
        "job.progress",
        "job.progress",
        "job.progress",
        "job.completed",
      ]);
      expect(events.filter((e) => e.type === "job.progress").map((e) => e.payload.progress?.percent)).toEqual([1, 6, 7]);
    });

    it("ignores a late report for an attempt that is no longer running", async () => {
      const { store, submit } = await setup();
      const { session } = await agentSession(await server());
      const job = await submit();
      as(await claim(session, job), "claimAccepted");
      await store.applyEvent(job.id, { status: JobStatus.RUNNING, attempt: 1 }, { kind: "failed", reason: {
        code: ErrorCode.PROVIDER_ERROR, message: "x", detail: "", phase: JobPhase.PROCESS } });
      const ack = as(
        await session.request({ case: "progress", value: { ref: { jobId: job.id, attempt: 1 }, progress: { percent: 50 } } }),
        "ack",
      );
      expect(ack).toMatchObject({ accepted: false, code: ErrorCode.CONFLICT });
    });
  });

  describe("complete and fail", () => {
    it("completes: captures the price of the usage, releases the rest, stores the output; a late second result changes nothing", async () => {
      const { orgId, store, ledger, submit } = await setup({ credits: 1000 });
      const { session } = await agentSession(await server());
      const job = await submit();
      as(await claim(session, job), "claimAccepted");
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 1000, held: HOLD, available: 1000 - HOLD });

      const ack = as(
        await session.request({
          case: "complete",
          value: {
            ref: { jobId: job.id, attempt: 1 },
            usageSeconds: 4.2,
            output: {
              files: [{ name: "out.mp4", url: "blob://out.mp4", contentType: "video/mp4", sizeBytes: 99n }],
              data: { frames: 12 },
            },
          },
        }),
        "ack",
      );

      expect(ack).toMatchObject({ accepted: true, ref: { jobId: job.id, attempt: 1 } });
      const done = await store.getJob(job.id);
      // 2 base + 3/s × 5 started seconds.
      expect(done).toMatchObject({ status: JobStatus.COMPLETE, actualCredits: 17, heldCredits: 0 });
      expect(done!.output).toEqual({
        files: [{ name: "out.mp4", url: "blob://out.mp4", contentType: "video/mp4", sizeBytes: 99 }],
        data: { frames: 12 },
      });
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 983, held: 0, available: 983 });

      const late = as(
        await session.request({ case: "complete", value: { ref: { jobId: job.id, attempt: 1 }, usageSeconds: 50 } }),
        "ack",
      );
      expect(late).toMatchObject({ accepted: false, code: ErrorCode.CONFLICT });
      const lateFail = as(
        await session.request({ case: "fail", value: { ref: { jobId: job.id, attempt: 1 }, error: { code: ErrorCode.PROVIDER_ERROR } } }),
        "ack",
      );
      expect(lateFail).toMatchObject({ accepted: false, code: ErrorCode.CONFLICT });
      expect(await store.getJob(job.id)).toEqual(done);
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 983, held: 0, available: 983 });
    });

    it("never charges more than the hold, and nothing in test mode", async () => {
      const live = await setup({ credits: 1000 });
      const { session } = await agentSession(await server());
      const overrun = await live.submit();
      const free = await live.submit({ testMode: true });
      for (const job of [overrun, free]) as(await claim(session, job), "claimAccepted");
      for (const job of [overrun, free]) {
        const ack = await session.request({ case: "complete", value: { ref: { jobId: job.id, attempt: 1 }, usageSeconds: 10_000 } });
        expect(as(ack, "ack").accepted).toBe(true);
      }
      expect(await live.store.getJob(overrun.id)).toMatchObject({ status: JobStatus.COMPLETE, actualCredits: HOLD });
      expect(await live.store.getJob(free.id)).toMatchObject({ status: JobStatus.COMPLETE, actualCredits: 0 });
      expect(await live.ledger.getBalance(live.orgId)).toEqual({ balance: 1000 - HOLD, held: 0, available: 1000 - HOLD });
    });

    it("refuses a result from an agent that does not run the attempt", async () => {
      const { store, submit } = await setup();
      const s = await server();
      const owner = await agentSession(s);
      const intruder = await agentSession(s);
      const job = await submit();
      as(await claim(owner.session, job), "claimAccepted");
      const ack = as(
        await intruder.session.request({ case: "complete", value: { ref: { jobId: job.id, attempt: 1 }, usageSeconds: 1 } }),
        "ack",
      );
      expect(ack).toMatchObject({ accepted: false, code: ErrorCode.CONFLICT });
      expect((await store.getJob(job.id))!.status).toBe(JobStatus.RUNNING);
    });

    it("fails: records code, message, the detail's last 4 KB and the phase, and releases the hold", async () => {
      const { orgId, store, ledger, submit } = await setup({ credits: 1000 });
      const { session } = await agentSession(await server());
      const [a, b] = [await submit(), await submit()];
      for (const job of [a, b]) as(await claim(session, job), "claimAccepted");
      const detail = "x".repeat(10_000) + "the last line";

      const ackA = await session.request({
        case: "fail",
        value: {
          ref: { jobId: a.id, attempt: 1 },
          error: { code: ErrorCode.VALIDATION_ERROR, message: "bad input", detail, failedPhase: JobPhase.DOWNLOAD },
        },
      });
      // An agent may not report arbitrary codes: anything else is a PROVIDER_ERROR.
      const ackB = await session.request({
        case: "fail",
        value: { ref: { jobId: b.id, attempt: 1 }, error: { code: ErrorCode.INSUFFICIENT_CREDITS, message: "boom" } },
      });

      expect(as(ackA, "ack").accepted).toBe(true);
      expect(as(ackB, "ack").accepted).toBe(true);
      const failedA = await store.getJob(a.id);
      expect(failedA).toMatchObject({
        status: JobStatus.FAILED,
        heldCredits: 0,
        actualCredits: 0,
        error: { code: "VALIDATION_ERROR", message: "bad input", phase: "DOWNLOAD", retryable: false },
      });
      expect(Buffer.byteLength(failedA!.error!.detail)).toBeLessThanOrEqual(4096);
      expect(failedA!.error!.detail.endsWith("the last line")).toBe(true);
      expect((await store.getJob(b.id))!.error).toMatchObject({ code: "PROVIDER_ERROR", message: "boom", phase: "PROCESS" });
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 1000, held: 0, available: 1000 });
    });

    it("a cancelled report after a cancel ends the job CANCELLED with the hold released", async () => {
      const { orgId, store, ledger, submit } = await setup({ credits: 1000 });
      const s = await server();
      const { session } = await agentSession(s);
      const job = await submit();
      as(await claim(session, job), "claimAccepted");

      const cancel = await store.applyEvent(job.id, { status: JobStatus.RUNNING, attempt: 1 }, { kind: "cancelRequested" });
      await s.notifyAgent.run(cancel.job, cancel.effects);
      expect(await session.cancelFor(job.id, 1)).toMatchObject({ reason: "cancel requested" });
      const ack = await session.request({
        case: "fail",
        value: { ref: { jobId: job.id, attempt: 1 }, cancelled: true, error: { code: ErrorCode.PROVIDER_ERROR, message: "aborted" } },
      });

      expect(as(ack, "ack").accepted).toBe(true);
      expect(await store.getJob(job.id)).toMatchObject({ status: JobStatus.CANCELLED, heldCredits: 0, error: null });
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 1000, held: 0, available: 1000 });
    });
  });
});
