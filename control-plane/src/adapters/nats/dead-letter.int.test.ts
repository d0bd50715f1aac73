import { fromBinary } from "@bufbuild/protobuf";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DispatchMessageSchema } from "../../../../proto/gen/jobplane/v1/dispatch_pb.js";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { DLQ_HEADERS } from "../../../../proto/nats/names.js";
import { captureLogger } from "../../../../test/support/capture-logger.js";
import { seedAgent, seedJobType, seedOrg } from "../../../../test/support/db-fixtures.js";
import { eventually } from "../../../../test/support/job-lifecycle.js";
import { msgIdOf, streamMessages } from "../../../../test/support/stream-messages.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { createTestNats, type TestNats } from "../../../../test/support/test-nats.js";
import { noAfterCommit } from "../../app/after-commit.js";
import { runDispatchPass } from "../../app/dispatch-pass.js";
import { createPgDispatchStore } from "../postgres/pg-dispatch-queries.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";
import { createDeadLetterer, type DeadLetterer } from "./dead-letter.js";
import { redriveDeadLetters } from "./dead-letter-redrive.js";
import { createJetStreamWorkPublisher, encodeDispatchMessage } from "./jetstream-work-publisher.js";
import { ensureDispatchConsumer, ensureStreams } from "./streams.js";

describe("dead-lettering", () => {
  const db = useTestDatabase();
  let nats: TestNats;
  let jsm: JetStreamManager;
  let deadLetterer: DeadLetterer | undefined;
  const TYPE = "test.dlq";

  beforeEach(async () => {
    nats = await createTestNats();
    jsm = await jetstreamManager(nats.nc);
    await ensureStreams(jsm, nats.names);
    await seedJobType(db.orm, { name: TYPE });
    await ensureDispatchConsumer(jsm, nats.names, TYPE, { maxDeliver: 4, backoffMs: [100, 200, 400] });
  });
  afterEach(async () => {
    await deadLetterer?.stop();
    deadLetterer = undefined;
    await nats.cleanup();
  });

  const jobs = () => createPgJobStore(db.orm);
  const dispatch = () =>
    runDispatchPass({ store: createPgDispatchStore(db.orm), publisher: createJetStreamWorkPublisher(jetstream(nats.nc), nats.names) });
  const startDeadLetterer = async () => {
    deadLetterer = createDeadLetterer({
      js: jetstream(nats.nc),
      jsm,
      names: nats.names,
      jobs: jobs(),
      afterCommit: noAfterCommit,
      logger: captureLogger().logger,
    });
    await deadLetterer.start();
  };

  async function advisoryCount(): Promise<number> {
    return (await jsm.streams.info(nats.names.advisoryStream)).state.messages;
  }

  it("exactly 4 deliveries, then the advisory (kept while no one listens) fails the job DISPATCH_EXHAUSTED; redrive dispatches it again", async () => {
    const orgId = await seedOrg(db.orm, { credits: 100 });
    const { job } = await jobs().submitJob({ orgId, type: TYPE, estimatedCredits: 7 });
    expect(await dispatch()).toMatchObject({ dispatched: 1 });

    // An agent that pulls and never acks (its claims keep failing).
    const consumer = await jetstream(nats.nc).consumers.get(nats.names.dispatchStream, nats.names.dispatchConsumer(TYPE));
    const deliveries: number[] = [];
    await eventually(
      "the max-deliveries advisory",
      async () => {
        const m = await consumer.next({ expires: 1000 });
        if (m) {
          expect(m.headers?.get("Nats-Msg-Id")).toBe(`${job.id}:1`);
          deliveries.push(m.info.deliveryCount);
        }
        return (await advisoryCount()) > 0 ? true : undefined;
      },
      20_000,
    );
    expect(deliveries).toEqual([1, 2, 3, 4]);
    expect(await consumer.next({ expires: 1000 })).toBeNull(); // no 5th delivery
    // WorkQueue + max-delivered: the message is still in the stream, the job still DISPATCHED.
    expect(await streamMessages(jsm, nats.names.dispatchStream)).toHaveLength(1);
    expect((await jobs().getJob(job.id))!.status).toBe(JobStatus.DISPATCHED);

    // The control plane comes (back): the captured advisory is handled.
    await startDeadLetterer();
    const failed = await eventually("the job failed", async () => {
      const j = await jobs().getJob(job.id);
      return j?.status === JobStatus.FAILED ? j : undefined;
    });
    expect(failed.error).toMatchObject({ code: "DISPATCH_EXHAUSTED", phase: "DISPATCH" });
    expect(failed.heldCredits).toBe(0);
    const [account] = await db.orm.em.fork().execute<{ held: string }[]>("select held::text from credit_accounts where org_id = ?", [orgId]);
    expect(account!.held).toBe("0");

    await eventually("the dispatch stream emptied", async () =>
      (await streamMessages(jsm, nats.names.dispatchStream)).length === 0 ? true : undefined,
    );
    const [dead] = await streamMessages(jsm, nats.names.dlqStream);
    expect(dead!.subject).toBe(nats.names.dlqSubject(TYPE));
    expect(fromBinary(DispatchMessageSchema, dead!.data)).toMatchObject({ jobId: job.id, attempt: 1, type: TYPE });
    expect(dead!.header.get(DLQ_HEADERS.originalMsgId)).toBe(`${job.id}:1`);
    expect(dead!.header.get(DLQ_HEADERS.deliveries)).toBe("4");
    expect(dead!.header.get(DLQ_HEADERS.consumer)).toBe(nats.names.dispatchConsumer(TYPE));
    expect(msgIdOf(dead!)).toBe(`${job.id}:1:dlq`);

    // The same advisory again (a redelivery after a crash) changes nothing.
    const seq = Number(dead!.header.get(DLQ_HEADERS.streamSeq));
    expect(
      await deadLetterer!.handle({ stream: nats.names.dispatchStream, consumer: "x", stream_seq: seq, deliveries: 4 }),
    ).toBe("gone");
    expect(await streamMessages(jsm, nats.names.dlqStream)).toHaveLength(1);

    // Redrive: a manual retry, attempt 2, dispatched again.
    const result = await redriveDeadLetters({ jsm, names: nats.names, jobs: jobs(), afterCommit: noAfterCommit }, { type: TYPE });
    expect(result).toEqual({ redriven: [{ jobId: job.id, attempt: 2 }], stale: [], failed: [] });
    expect(await jobs().getJob(job.id)).toMatchObject({ status: JobStatus.WAITING, attempt: 2, heldCredits: 7 });
    expect(await streamMessages(jsm, nats.names.dlqStream)).toHaveLength(0);
    expect(await dispatch()).toMatchObject({ dispatched: 1 });
    expect((await streamMessages(jsm, nats.names.dispatchStream)).map(msgIdOf)).toEqual([`${job.id}:2`]);
    const m = await consumer.next({ expires: 1000 });
    expect(m?.info.deliveryCount).toBe(1);
    m?.ack();
  });

  it("removes the message but neither fails the job nor dead-letters it when the job moved on (claimed late)", async () => {
    await startDeadLetterer();
    const orgId = await seedOrg(db.orm, { credits: 100 });
    const { job } = await jobs().submitJob({ orgId, type: TYPE, estimatedCredits: 1 });
    await dispatch();
    const agentId = await seedAgent(db.orm, [TYPE]);
    await jobs().applyEvent(job.id, { status: JobStatus.DISPATCHED, attempt: 1 }, { kind: "claimed", agentId });
    const [message] = await streamMessages(jsm, nats.names.dispatchStream);

    const outcome = await deadLetterer!.handle({
      stream: nats.names.dispatchStream,
      consumer: nats.names.dispatchConsumer(TYPE),
      stream_seq: message!.seq,
      deliveries: 4,
    });
    expect(outcome).toBe("settled-elsewhere");
    expect((await jobs().getJob(job.id))!.status).toBe(JobStatus.RUNNING);
    expect(await streamMessages(jsm, nats.names.dispatchStream)).toHaveLength(0);
    expect(await streamMessages(jsm, nats.names.dlqStream)).toHaveLength(0);
    expect(await deadLetterer!.handle({ stream: "OTHER", consumer: "c", stream_seq: 1, deliveries: 4 })).toBe("ignored");
  });

  it("redrive drops a stale dead letter (the user already retried the job) and keeps one whose retry is refused", async () => {
    const orgId = await seedOrg(db.orm, { credits: 10 });
    const store = jobs();
    const a = (await store.submitJob({ orgId, type: TYPE, estimatedCredits: 2 })).job;
    const b = (await store.submitJob({ orgId, type: TYPE, estimatedCredits: 5 })).job;
    await dispatch();
    const js = jetstream(nats.nc);
    for (const j of [a, b]) {
      await store.applyEvent(j.id, { status: JobStatus.DISPATCHED, attempt: 1 }, { kind: "dispatchExhausted" });
      const body = encodeDispatchMessage({ jobId: j.id, orgId, type: TYPE, attempt: 1, priority: 0 });
      await js.publish(nats.names.dlqSubject(TYPE), body, { msgID: `${j.id}:1:dlq` });
    }
    // a: retried by its user meanwhile; then a new job leaves the org 4 credits, short of b's 5.
    await store.applyEvent(a.id, { status: JobStatus.FAILED, attempt: 1 }, { kind: "retryRequested" });
    await store.submitJob({ orgId, type: TYPE, estimatedCredits: 4 });

    const result = await redriveDeadLetters({ jsm, names: nats.names, jobs: store, afterCommit: noAfterCommit });
    expect(result.redriven).toEqual([]);
    expect(result.stale).toEqual([{ jobId: a.id, reason: expect.stringContaining("attempt 2") }]);
    expect(result.failed).toEqual([{ jobId: b.id, code: ErrorCode.INSUFFICIENT_CREDITS, message: expect.any(String) }]);
    expect((await streamMessages(jsm, nats.names.dlqStream)).map(msgIdOf)).toEqual([`${b.id}:1:dlq`]);
    expect(await store.getJob(b.id)).toMatchObject({ status: JobStatus.FAILED, attempt: 1 });
  });
});
