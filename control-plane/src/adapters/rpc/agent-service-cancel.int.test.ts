/**
 * AgentService, part 3 of 3: CancelAttempt pushed to the session that runs
 * the attempt — across control-plane instances over the NATS control subject,
 * and repaired from a heartbeat when the push was lost.
 * Harness: test/support/agent-service-harness.ts. The other parts:
 * agent-service-register-claim.int.test.ts and agent-service-progress-results.int.test.ts.
 */
import { describe, expect, it } from "vitest";
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { useAgentServiceHarness } from "../../../../test/support/agent-service-harness.js";
import { as } from "../../../../test/support/agent-session-driver.js";

describe("AgentService", () => {
  const { server, setup, agentSession, claim } = useAgentServiceHarness();

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
});
