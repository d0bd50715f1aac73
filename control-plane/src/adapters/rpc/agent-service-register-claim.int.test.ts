/**
 * AgentService, part 1 of 3: Register and its authentication, the Session's
 * request/reply framing, and ClaimJob (the 20-session race, claiming a job
 * whose publish ack is not yet recorded, and every rejection code).
 * Harness: test/support/agent-service-harness.ts. The other parts:
 * agent-service-progress-results.int.test.ts (progress, complete, fail) and
 * agent-service-cancel.int.test.ts (cancel push and its repair).
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { seedAgentWithToken, markDispatched } from "../../../../test/support/agent-fixtures.js";
import { useAgentServiceHarness } from "../../../../test/support/agent-service-harness.js";
import { as } from "../../../../test/support/agent-session-driver.js";
import { seedJobType } from "../../../../test/support/db-fixtures.js";
import { generateApiKey } from "../../domain/api-key-format.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";

async function connectCode(promise: Promise<unknown>): Promise<Code> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ConnectError)) throw new Error(`expected a ConnectError, got ${String(err)}`);
  return err.code;
}

describe("AgentService", () => {
  const { db, time, server, open, setup, agentSession, claim } = useAgentServiceHarness();

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
      expect(new Date(row!.last_heartbeat_at).getTime()).toBe(time.nowMs);
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
      expect(timestampDate(accepted.deadline!).getTime()).toBe(time.nowMs + 100_000);
      const stored = await store.getJob(job.id);
      expect(stored).toMatchObject({ status: JobStatus.RUNNING, agentId });
      expect(stored!.dispatchedAt).not.toBeNull();
      expect(stored!.startedAt).not.toBeNull();
      expect(stored!.deadlineAt?.getTime()).toBe(time.nowMs + 100_000);
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

  it("answers every request with a request_id exactly once, including empty messages", async () => {
    const { session } = await agentSession(await server());
    const ack = as(await session.request({ case: undefined }), "ack");
    expect(ack).toMatchObject({ accepted: false, code: ErrorCode.VALIDATION_ERROR });
  });
});
