import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SessionResponse } from "../../../../proto/gen/jobplane/v1/agent_service_pb.js";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase, JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { seedAgentWithToken, markDispatched, submitPriced } from "../../../../test/support/agent-fixtures.js";
import { AgentSessionDriver } from "../../../../test/support/agent-session-driver.js";
import { startAgentServiceServer, type AgentServiceServer } from "../../../../test/support/agent-service-server.js";
import { seedJobType, seedOrg } from "../../../../test/support/db-fixtures.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { createTestNats, type TestNats } from "../../../../test/support/test-nats.js";
import { generateApiKey } from "../../domain/api-key-format.js";
import { createPgCreditLedger } from "../postgres/pg-credit-ledger.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";
import type { JobRecord } from "../postgres/job-record.js";

const PRICE = { baseCredits: 2, creditsPerSecond: 3, maxExecutionSeconds: 100 };
/** estimateCost(PRICE) */
const HOLD = 302;

/** The reply's oneof value when it is of `kind`, else a failed expectation. */
type Reply = Exclude<SessionResponse["message"], { case: undefined }>;
type ReplyValue = { [R in Reply as R["case"]]: R["value"] };
function as<K extends keyof ReplyValue>(res: SessionResponse, kind: K): ReplyValue[K] {
  expect(res.message.case).toBe(kind);
  return res.message.value as ReplyValue[K];
}

async function connectCode(promise: Promise<unknown>): Promise<Code> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ConnectError)) throw new Error(`expected a ConnectError, got ${String(err)}`);
  return err.code;
}

describe("AgentService", () => {
  // 30 connections: 20 truly simultaneous claims plus the test's own reads.
  const db = useTestDatabase({ poolSize: 30 });
  let nats: TestNats;
  const servers: AgentServiceServer[] = [];
  const drivers: AgentSessionDriver[] = [];
  let nowMs = Date.parse("2030-01-01T00:00:00Z");
  const clock = () => new Date(nowMs);

  beforeEach(async () => {
    nats = await createTestNats();
    nowMs = Date.parse("2030-01-01T00:00:00Z");
  });

  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close().catch(() => {})));
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await nats.cleanup();
  });

  async function server(): Promise<AgentServiceServer> {
    const s = await startAgentServiceServer({ orm: db.orm, natsPrefix: nats.prefix, clock });
    servers.push(s);
    return s;
  }

  function open(s: AgentServiceServer, token: string): AgentSessionDriver {
    const d = new AgentSessionDriver(s.client(token));
    drivers.push(d);
    return d;
  }

  async function setup(options: { credits?: number; testMode?: boolean } = {}) {
    const orgId = await seedOrg(db.orm, { credits: options.credits ?? 10_000 });
    const type = await seedJobType(db.orm, { name: "agent.echo", ...PRICE });
    const store = createPgJobStore(db.orm);
    const submit = (extra: { testMode?: boolean; inputs?: JobRecord["inputs"]; params?: Record<string, unknown> } = {}) =>
      submitPriced(store, { orgId, type, price: PRICE, testMode: options.testMode, ...extra });
    return { orgId, type, store, ledger: createPgCreditLedger(db.orm), submit };
  }

  /** An agent with an open, ready session (a heartbeat round trip proves it is subscribed). */
  async function agentSession(s: AgentServiceServer, types = ["agent.echo"]) {
    const agent = await seedAgentWithToken(db.orm, types);
    const session = open(s, agent.token);
    as(await session.request({ case: "heartbeat", value: { running: [] } }), "ack");
    return { ...agent, session };
  }

  async function claim(session: AgentSessionDriver, job: JobRecord) {
    return session.request({ case: "claim", value: { jobId: job.id, attempt: job.attempt, deliveryCount: 1 } });
  }

  describe("Register and authentication", () => {
    it("registers the agent and returns its session settings", async () => {
      const s = await server();
      const agent = await seedAgentWithToken(db.orm, ["agent.echo"]);
      const res = await s.client(agent.token).register({
        jobTypes: ["agent.echo", "agent.sleep", "agent.echo"],
        slots: 4,
        version: "1.2.3",
        labels: { region: "eu" },
      });
      expect(res).toMatchObject({
        agentId: agent.agentId,
        heartbeatIntervalMs: 1_000,
        heartbeatTimeoutMs: 5_000,
        progressThrottleMs: 1_000,
      });
      const [row] = await db.orm.em.fork().execute<
        { job_types: string[]; slots: number; version: string; labels: object; last_heartbeat_at: Date }[]
      >("select job_types, slots, version, labels, last_heartbeat_at from agents where id = ?", [agent.agentId]);
      expect(row).toMatchObject({ job_types: ["agent.echo", "agent.sleep"], slots: 4, version: "1.2.3", labels: { region: "eu" } });
      expect(new Date(row!.last_heartbeat_at).getTime()).toBe(nowMs);
    });

    it("refuses a missing, unknown or non-agent token with UNAUTHORIZED on Register and Session", async () => {
      const s = await server();
      for (const token of [undefined, "jpa_" + "x".repeat(43), generateApiKey("live").secret]) {
        expect(await connectCode(s.client(token).register({ jobTypes: ["agent.echo"], slots: 1 }))).toBe(Code.Unauthenticated);
        const session = open(s, token as string);
        expect(await connectCode(session.ended)).toBe(Code.Unauthenticated);
      }
    });
  });

  describe("claim", () => {
    it("accepts exactly one of 20 sessions racing for one DISPATCHED job", async () => {
      const { store, submit } = await setup();
      const [a, b] = [await server(), await server()];
      const agents = await Promise.all(Array.from({ length: 20 }, (_, i) => agentSession(i % 2 ? a : b)));
      const job = await markDispatched(store, await submit());

      const replies = await Promise.all(agents.map((x) => claim(x.session, job)));

      const accepted = replies.filter((r) => r.message.case === "claimAccepted");
      const rejected = replies.filter((r) => r.message.case === "claimRejected");
      expect(accepted).toHaveLength(1);
      expect(rejected).toHaveLength(19);
      for (const r of rejected) expect(as(r, "claimRejected")).toMatchObject({ jobId: job.id, attempt: 1, code: ErrorCode.CONFLICT });
      const winner = agents[replies.indexOf(accepted[0]!)]!;
      expect(await store.getJob(job.id)).toMatchObject({ status: JobStatus.RUNNING, agentId: winner.agentId });
      const events = await store.listJobEvents(job.id);
      expect(events.filter((e) => e.type === "job.started")).toHaveLength(1);
    });

    it("claims a job still WAITING on the same attempt (publish ack not yet recorded), with everything the agent needs", async () => {
      const { store, submit } = await setup();
      const { session, agentId } = await agentSession(await server());
      const inputs = [{ name: "in.mp4", url: "https://example.test/in.mp4", sizeBytes: 1234, contentType: "video/mp4" }];
      const job = await submit({ inputs, params: { width: 640 } });

      const accepted = as(await claim(session, job), "claimAccepted");

      expect(accepted).toMatchObject({ jobId: job.id, attempt: 1, type: "agent.echo", params: { width: 640 }, outputUploadUrl: "" });
      expect(accepted.inputs.map((i) => ({ ...i, sizeBytes: Number(i.sizeBytes) }))).toMatchObject(inputs);
      expect(timestampDate(accepted.deadline!).getTime()).toBe(nowMs + 100_000);
      const stored = await store.getJob(job.id);
      expect(stored).toMatchObject({ status: JobStatus.RUNNING, agentId });
      expect(stored!.dispatchedAt).not.toBeNull();
      expect(stored!.startedAt).not.toBeNull();
      expect(stored!.deadlineAt?.getTime()).toBe(nowMs + 100_000);
      expect((await store.listJobEvents(job.id)).map((e) => e.type)).toEqual(["job.created", "job.dispatched", "job.started"]);
    });

    it("rejects a cancelled job (CONFLICT), a stale attempt (CONFLICT), a type the agent does not serve (FORBIDDEN) and an unknown job (NOT_FOUND)", async () => {
      const { store, submit } = await setup();
      const s = await server();
      const { session } = await agentSession(s);
      const cancelled = await submit();
      await store.applyEvent(cancelled.id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "cancelRequested" });
      await seedJobType(db.orm, { name: "agent.other" });
      const other = await createPgJobStore(db.orm).submitJob({
        orgId: (await store.getJob(cancelled.id))!.orgId,
        type: "agent.other",
        estimatedCredits: 0,
      });
      const dispatched = await markDispatched(store, await submit());

      expect(as(await claim(session, cancelled), "claimRejected").code).toBe(ErrorCode.CONFLICT);
      expect(as(await claim(session, { ...dispatched, attempt: 2 }), "claimRejected").code).toBe(ErrorCode.CONFLICT);
      expect(as(await claim(session, other.job), "claimRejected").code).toBe(ErrorCode.FORBIDDEN);
      expect(as(await claim(session, { ...dispatched, id: "job_0000000000000000" }), "claimRejected").code).toBe(
        ErrorCode.NOT_FOUND,
      );
      expect((await store.getJob(cancelled.id))!.status).toBe(JobStatus.CANCELLED);
      expect((await store.getJob(dispatched.id))!.status).toBe(JobStatus.DISPATCHED);
      expect((await store.getJob(other.job.id))!.status).toBe(JobStatus.WAITING);
    });
  });

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
      nowMs += 500;
      expect(as(await progress(6), "ack").accepted).toBe(false);
      // t = 1000: the window ended, so 6 is stored first; 7 falls into the new window and waits.
      nowMs += 500;
      expect(as(await progress(7), "ack").accepted).toBe(false);
      // t = 2500: any message (here a heartbeat) flushes 7.
      nowMs += 1500;
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

  describe("cancel push", () => {
    it("reaches the session on instance A when the cancel is committed and notified on instance B", async () => {
      const { store, submit } = await setup();
      const [a, b] = [await server(), await server()];
      const { session } = await agentSession(a);
      const job = await submit();
      as(await claim(session, job), "claimAccepted");

      const cancel = await store.applyEvent(job.id, { status: JobStatus.RUNNING, attempt: 1 }, { kind: "cancelRequested" });
      expect(cancel.effects).toEqual([{ kind: "notifyAgent", reason: "cancel requested" }]);
      await b.notifyAgent.run(cancel.job, cancel.effects);

      expect(await session.cancelFor(job.id, 1)).toMatchObject({ ref: { jobId: job.id, attempt: 1 }, reason: "cancel requested" });
    });

    it("repairs a lost push: a heartbeat listing a cancelled or settled attempt gets CancelAttempt back", async () => {
      const { store, submit } = await setup();
      const { session } = await agentSession(await server());
      const [cancelled, settled, fine] = [await submit(), await submit(), await submit()];
      for (const job of [cancelled, settled, fine]) as(await claim(session, job), "claimAccepted");
      // Committed, but never notified (as if the instance died right after the commit).
      await store.applyEvent(cancelled.id, { status: JobStatus.RUNNING, attempt: 1 }, { kind: "cancelRequested" });
      await store.applyEvent(settled.id, { status: JobStatus.RUNNING, attempt: 1 }, { kind: "timedOut", message: "t" });

      const running = [cancelled, settled, fine].map((j) => ({ jobId: j.id, attempt: 1 }));
      as(await session.request({ case: "heartbeat", value: { running } }), "ack");

      expect(await session.cancelFor(cancelled.id, 1)).toMatchObject({ reason: "cancel requested" });
      expect(await session.cancelFor(settled.id, 1)).toMatchObject({ reason: "job is failed" });
      expect(session.cancels.map((c) => c.ref?.jobId)).not.toContain(fine.id);
    });
  });

  it("answers every request with a request_id exactly once, including empty messages", async () => {
    const { session } = await agentSession(await server());
    const ack = as(await session.request({ case: undefined }), "ack");
    expect(ack).toMatchObject({ accepted: false, code: ErrorCode.VALIDATION_ERROR });
  });
});
