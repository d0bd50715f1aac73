import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase, JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { seedAgent, seedJobType, seedOrg } from "../../../../test/support/db-fixtures.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { DomainError } from "../../domain/domain-error.js";
import type { LifecycleEvent } from "../../domain/lifecycle-event.js";
import { createPgCreditLedger } from "./pg-credit-ledger.js";
import { createPgJobStore } from "./pg-job-store.js";
import type { JobStore } from "./job-store.js";

/** Resolves to the DomainError code `promise` rejected with (fails if it resolved or threw something else). */
async function rejectionCode(promise: Promise<unknown>): Promise<ErrorCode> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(outcome)}`);
  return outcome.code;
}

async function ledgerRows(store: ReturnType<typeof useTestDatabase>, jobId: string) {
  return store.orm.em
    .fork()
    .execute<{ kind: string; amount: string; attempt: number }[]>(
      "select kind, amount::text as amount, attempt from credit_ledger where job_id = ? order by id",
      [jobId],
    );
}

describe("PgJobStore", () => {
  // 25 connections: enough for 20 truly simultaneous claimers.
  const db = useTestDatabase({ poolSize: 25 });

  async function setup(credits: number) {
    const orm = db.orm;
    const orgId = await seedOrg(orm, { credits });
    const type = await seedJobType(orm, { maxExecutionSeconds: 120 });
    return { orgId, type, store: createPgJobStore(orm), ledger: createPgCreditLedger(orm) };
  }

  /** Moves a job WAITING → DISPATCHED → RUNNING (claimed by a fresh agent). */
  async function runJob(store: JobStore, jobId: string, type: string): Promise<string> {
    const agentId = await seedAgent(db.orm, [type]);
    await store.applyEvent(jobId, { status: JobStatus.WAITING, attempt: 1 }, { kind: "published" });
    await store.applyEvent(jobId, { status: JobStatus.DISPATCHED, attempt: 1 }, { kind: "claimed", agentId });
    return agentId;
  }

  describe("submitJob", () => {
    it("saves a WAITING job, holds its estimate and writes job.created", async () => {
      const { orgId, type, store, ledger } = await setup(1000);
      const { job, created, effects } = await store.submitJob({
        orgId,
        type,
        estimatedCredits: 121,
        params: { width: 640 },
        priority: 5,
      });

      expect(created).toBe(true);
      expect(job).toMatchObject({
        orgId,
        type,
        status: JobStatus.WAITING,
        attempt: 1,
        priority: 5,
        params: { width: 640 },
        estimatedCredits: 121,
        heldCredits: 121,
        actualCredits: null,
        version: 1,
      });
      expect(job.id).toMatch(/^job_[0-9a-f]{24}$/);
      expect(effects).toEqual([{ kind: "publishDispatch" }]);
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 1000, held: 121, available: 879 });
      expect(await ledgerRows(db, job.id)).toEqual([{ kind: "hold", amount: "121", attempt: 1 }]);

      const events = await store.listJobEvents(job.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: "job.created",
        status: "waiting",
        attempt: 1,
        orgId,
        sequence: null,
        publishedAt: null,
      });
      expect(events[0]?.eventId).toMatch(/^evt_/);
      expect(events[0]?.payload).toMatchObject({ id: job.id, status: "waiting", heldCredits: 121 });
    });

    it("refuses with INSUFFICIENT_CREDITS and leaves no trace when available credits are short", async () => {
      const { orgId, type, store, ledger } = await setup(100);
      await store.submitJob({ orgId, type, estimatedCredits: 60 });
      const code = await rejectionCode(store.submitJob({ orgId, type, estimatedCredits: 41, id: "job_00000000000000000000dead" }));
      expect(code).toBe(ErrorCode.INSUFFICIENT_CREDITS);
      expect(await store.getJob("job_00000000000000000000dead")).toBeUndefined();
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 100, held: 60, available: 40 });
    });

    it("returns the original job for a repeated idempotency key, holding nothing more", async () => {
      const { orgId, type, store, ledger } = await setup(1000);
      const first = await store.submitJob({ orgId, type, estimatedCredits: 10, idempotencyKey: "k1" });
      const again = await store.submitJob({ orgId, type, estimatedCredits: 99, idempotencyKey: "k1" });
      expect(again.created).toBe(false);
      expect(again.effects).toEqual([]);
      expect(again.job.id).toBe(first.job.id);
      expect(await ledger.getBalance(orgId)).toMatchObject({ held: 10 });
    });

    it("200 concurrent holds on a balance that covers 100: exactly 100 succeed", async () => {
      const { orgId, type, store, ledger } = await setup(1000);
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, () => store.submitJob({ orgId, type, estimatedCredits: 10 })),
      );
      const ok = results.filter((r) => r.status === "fulfilled");
      const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
      expect(ok).toHaveLength(100);
      expect(refused).toHaveLength(100);
      for (const err of refused) {
        expect(err).toBeInstanceOf(DomainError);
        expect((err as DomainError).code).toBe(ErrorCode.INSUFFICIENT_CREDITS);
      }
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 1000, held: 1000, available: 0 });
    });

    it("50 concurrent submits with one idempotency key: one job, one hold", async () => {
      const { orgId, type, store, ledger } = await setup(1000);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.submitJob({ orgId, type, estimatedCredits: 7, idempotencyKey: "same" })),
      );
      const ids = new Set(results.map((r) => r.job.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 1000, held: 7, available: 993 });
      const [id] = ids;
      expect(await ledgerRows(db, id as string)).toEqual([{ kind: "hold", amount: "7", attempt: 1 }]);
      const [count] = await db.orm.em.fork().execute<{ n: number }[]>("select count(*)::int as n from jobs");
      expect(count?.n).toBe(1);
    });
  });

  describe("applyEvent", () => {
    it("20 concurrent claimers of one DISPATCHED job: exactly one wins, 19 get CONFLICT", async () => {
      const { orgId, type, store } = await setup(1000);
      const { job } = await store.submitJob({ orgId, type, estimatedCredits: 10 });
      await store.applyEvent(job.id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "published" });
      const agents = await Promise.all(Array.from({ length: 20 }, () => seedAgent(db.orm, [type])));

      const results = await Promise.allSettled(
        agents.map((agentId) =>
          store.applyEvent(job.id, { status: JobStatus.DISPATCHED, attempt: 1 }, { kind: "claimed", agentId }),
        ),
      );
      const winners = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      const losers = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(19);
      for (const err of losers) expect((err as DomainError).code).toBe(ErrorCode.CONFLICT);

      const running = await store.getJob(job.id);
      expect(running).toMatchObject({ status: JobStatus.RUNNING, agentId: winners[0]?.job.agentId });
      expect(agents).toContain(running?.agentId);
      const started = (await store.listJobEvents(job.id)).filter((e) => e.type === "job.started");
      expect(started).toHaveLength(1);
    });

    it("sets dispatched_at on publish, and agent, start and deadline on claim", async () => {
      const { orgId, type, store } = await setup(1000);
      const { job } = await store.submitJob({ orgId, type, estimatedCredits: 10 });
      const published = await store.applyEvent(job.id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "published" });
      expect(published.job).toMatchObject({ status: JobStatus.DISPATCHED, version: 2 });
      expect(published.job.dispatchedAt).toBeInstanceOf(Date);
      expect(published.effects).toEqual([]);

      const agentId = await seedAgent(db.orm, [type]);
      const claimed = await store.applyEvent(job.id, { status: JobStatus.DISPATCHED, attempt: 1 }, { kind: "claimed", agentId });
      const { startedAt, deadlineAt } = claimed.job;
      expect(claimed.job).toMatchObject({ status: JobStatus.RUNNING, agentId, version: 3 });
      // The job type's max execution time (120 s) after the claim.
      expect((deadlineAt?.getTime() ?? 0) - (startedAt?.getTime() ?? 0)).toBe(120_000);
    });

    it("claims only for the types the claimer serves, with the deadline counted from the caller's claim time", async () => {
      const { orgId, type, store } = await setup(1000);
      const { job } = await store.submitJob({ orgId, type, estimatedCredits: 10 });
      await store.applyEvent(job.id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "published" });
      const agentId = await seedAgent(db.orm, [type]);
      const claimedAt = new Date("2030-01-01T00:00:00.000Z");

      const refused = store.applyEvent(
        job.id,
        { status: JobStatus.DISPATCHED, attempt: 1, types: ["some.other.type"] },
        { kind: "claimed", agentId },
        { claimedAt },
      );
      await expect(refused).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
      expect((await store.getJob(job.id))?.status).toBe(JobStatus.DISPATCHED);

      const claimed = await store.applyEvent(
        job.id,
        { status: JobStatus.DISPATCHED, attempt: 1, types: ["some.other.type", type] },
        { kind: "claimed", agentId },
        { claimedAt },
      );
      expect(claimed.job).toMatchObject({ status: JobStatus.RUNNING, agentId });
      expect(claimed.job.deadlineAt?.toISOString()).toBe("2030-01-01T00:02:00.000Z");
    });

    it("completes with usage: captures the actual cost, releases the rest of the hold", async () => {
      const { orgId, type, store, ledger } = await setup(1000);
      const { job } = await store.submitJob({ orgId, type, estimatedCredits: 121 });
      await runJob(store, job.id, type);
      await store.applyEvent(
        job.id,
        { status: JobStatus.RUNNING, attempt: 1 },
        { kind: "progressed", progress: { percent: 50, step: "encode", message: "half way" } },
      );

      const done = await store.applyEvent(
        job.id,
        { status: JobStatus.RUNNING, attempt: 1 },
        { kind: "completed", usageSeconds: 30 },
        { actualCredits: 31, output: { files: [{ name: "out.mp4" }] } },
      );
      expect(done.job).toMatchObject({
        status: JobStatus.COMPLETE,
        heldCredits: 0,
        actualCredits: 31,
        output: { files: [{ name: "out.mp4" }] },
        progress: { percent: 50, step: "encode", message: "half way" },
      });
      expect(done.job.completedAt).toBeInstanceOf(Date);
      expect(done.job.steps).toHaveLength(1);
      expect(done.job.steps[0]).toMatchObject({ name: "encode" });
      expect(done.job.steps[0]?.finishedAt).toEqual(expect.any(String));
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 969, held: 0, available: 969 });
      expect(await ledgerRows(db, job.id)).toEqual([
        { kind: "hold", amount: "121", attempt: 1 },
        { kind: "capture", amount: "31", attempt: 1 },
        { kind: "release", amount: "90", attempt: 1 },
      ]);
      const types = (await store.listJobEvents(job.id)).map((e) => e.type);
      expect(types).toEqual(["job.created", "job.dispatched", "job.started", "job.progress", "job.completed"]);
    });

    it("never captures more than was held", async () => {
      const { orgId, type, store, ledger } = await setup(1000);
      const { job } = await store.submitJob({ orgId, type, estimatedCredits: 50 });
      await runJob(store, job.id, type);
      const done = await store.applyEvent(
        job.id,
        { status: JobStatus.RUNNING, attempt: 1 },
        { kind: "completed", usageSeconds: 9999 },
        { actualCredits: 10_000 },
      );
      expect(done.job.actualCredits).toBe(50);
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 950, held: 0, available: 950 });
    });

    it("fails: records the error and releases the whole hold", async () => {
      const { orgId, type, store, ledger } = await setup(1000);
      const { job } = await store.submitJob({ orgId, type, estimatedCredits: 121 });
      await runJob(store, job.id, type);
      const failed = await store.applyEvent(
        job.id,
        { status: JobStatus.RUNNING, attempt: 1 },
        {
          kind: "failed",
          reason: { code: ErrorCode.PROVIDER_ERROR, message: "ffmpeg exited 1", detail: "stderr tail", phase: JobPhase.PROCESS },
        },
      );
      expect(failed.job).toMatchObject({
        status: JobStatus.FAILED,
        heldCredits: 0,
        actualCredits: 0,
        error: { code: "PROVIDER_ERROR", message: "ffmpeg exited 1", detail: "stderr tail", phase: "PROCESS" },
      });
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 1000, held: 0, available: 1000 });
      expect(await ledgerRows(db, job.id)).toEqual([
        { kind: "hold", amount: "121", attempt: 1 },
        { kind: "release", amount: "121", attempt: 1 },
      ]);
    });

    it("cancels a waiting job at once, releasing its hold", async () => {
      const { orgId, type, store, ledger } = await setup(1000);
      const { job } = await store.submitJob({ orgId, type, estimatedCredits: 40 });
      const cancelled = await store.applyEvent(job.id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "cancelRequested" });
      expect(cancelled.job).toMatchObject({ status: JobStatus.CANCELLED, heldCredits: 0 });
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 1000, held: 0, available: 1000 });
    });

    it("cancels a running job in two steps: agent told (hold kept), then confirmed (hold released)", async () => {
      const { orgId, type, store, ledger } = await setup(1000);
      const { job } = await store.submitJob({ orgId, type, estimatedCredits: 40 });
      await runJob(store, job.id, type);

      const asked = await store.applyEvent(job.id, { status: JobStatus.RUNNING, attempt: 1 }, { kind: "cancelRequested" });
      expect(asked.job).toMatchObject({ status: JobStatus.RUNNING, cancelRequested: true, heldCredits: 40 });
      expect(asked.effects).toEqual([{ kind: "notifyAgent", reason: "cancel requested" }]);
      expect(await ledger.getBalance(orgId)).toMatchObject({ held: 40 });

      const confirmed = await store.applyEvent(job.id, { status: JobStatus.RUNNING, attempt: 1 }, { kind: "cancelConfirmed" });
      expect(confirmed.job).toMatchObject({ status: JobStatus.CANCELLED, heldCredits: 0 });
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 1000, held: 0, available: 1000 });
    });

    it("retries a failed job as attempt 2 with a new hold, or refuses it without credits", async () => {
      const { orgId, type, store, ledger } = await setup(100);
      const { job } = await store.submitJob({ orgId, type, estimatedCredits: 60 });
      await store.applyEvent(job.id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "published" });
      await store.applyEvent(job.id, { status: JobStatus.DISPATCHED, attempt: 1 }, { kind: "dispatchExhausted" });

      const other = await store.submitJob({ orgId, type, estimatedCredits: 50 });
      const retry: LifecycleEvent = { kind: "retryRequested" };
      // 100 − 50 held elsewhere leaves 50 < 60: refused, job untouched.
      expect(await rejectionCode(store.applyEvent(job.id, { status: JobStatus.FAILED, attempt: 1 }, retry))).toBe(
        ErrorCode.INSUFFICIENT_CREDITS,
      );
      expect(await store.getJob(job.id)).toMatchObject({ status: JobStatus.FAILED, attempt: 1 });

      await store.applyEvent(other.job.id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "cancelRequested" });
      const retried = await store.applyEvent(job.id, { status: JobStatus.FAILED, attempt: 1 }, retry);
      expect(retried.job).toMatchObject({
        status: JobStatus.WAITING,
        attempt: 2,
        heldCredits: 60,
        error: null,
        actualCredits: null,
        dispatchedAt: null,
      });
      expect(retried.effects).toEqual([{ kind: "publishDispatch" }]);
      expect(await ledger.getBalance(orgId)).toEqual({ balance: 100, held: 60, available: 40 });
      expect(await ledgerRows(db, job.id)).toEqual([
        { kind: "hold", amount: "60", attempt: 1 },
        { kind: "release", amount: "60", attempt: 1 },
        { kind: "hold", amount: "60", attempt: 2 },
      ]);
    });

    it("answers CONFLICT for a disallowed or stale transition and NOT_FOUND for no such job", async () => {
      const { orgId, type, store } = await setup(1000);
      const { job } = await store.submitJob({ orgId, type, estimatedCredits: 1 });
      // The state machine refuses: a waiting job cannot complete.
      expect(
        await rejectionCode(store.applyEvent(job.id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "completed", usageSeconds: 1 })),
      ).toBe(ErrorCode.CONFLICT);
      // Allowed from DISPATCHED, but the job is not dispatched.
      expect(
        await rejectionCode(store.applyEvent(job.id, { status: JobStatus.DISPATCHED, attempt: 1 }, { kind: "cancelRequested" })),
      ).toBe(ErrorCode.CONFLICT);
      // Wrong attempt.
      expect(await rejectionCode(store.applyEvent(job.id, { status: JobStatus.WAITING, attempt: 2 }, { kind: "published" }))).toBe(
        ErrorCode.CONFLICT,
      );
      expect(
        await rejectionCode(
          store.applyEvent("job_000000000000000000000000", { status: JobStatus.WAITING, attempt: 1 }, { kind: "published" }),
        ),
      ).toBe(ErrorCode.NOT_FOUND);
      expect(await store.getJob(job.id)).toMatchObject({ status: JobStatus.WAITING, version: 1 });
    });
  });
});
