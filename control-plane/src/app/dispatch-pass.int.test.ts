import { fromBinary } from "@bufbuild/protobuf";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DispatchMessageSchema } from "../../../proto/gen/jobplane/v1/dispatch_pb.js";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { seedAgent, seedJobType, seedOrg } from "../../../test/support/db-fixtures.js";
import { msgIdOf, streamMessages } from "../../../test/support/stream-messages.js";
import { useTestDatabase } from "../../../test/support/test-database.js";
import { createTestNats, type TestNats } from "../../../test/support/test-nats.js";
import { createJetStreamWorkPublisher } from "../adapters/nats/jetstream-work-publisher.js";
import { ensureDispatchConsumer, ensureStreams } from "../adapters/nats/streams.js";
import { createOrm, type Orm } from "../adapters/postgres/orm.js";
import { createPgDispatchStore } from "../adapters/postgres/pg-dispatch-queries.js";
import { createPgJobStore } from "../adapters/postgres/pg-job-store.js";
import { runDispatchPass, type DispatchPassDeps } from "./dispatch-pass.js";

describe("dispatch pass (PostgreSQL + JetStream)", () => {
  const db = useTestDatabase({ poolSize: 20 });
  let nats: TestNats;
  let jsm: JetStreamManager;
  let type: string;

  beforeEach(async () => {
    nats = await createTestNats();
    jsm = await jetstreamManager(nats.nc);
    await ensureStreams(jsm, nats.names);
    type = await seedJobType(db.orm, { name: "test.dispatch" });
    await ensureDispatchConsumer(jsm, nats.names, type);
  });
  afterEach(async () => nats.cleanup());

  const deps = (orm: Orm = db.orm, batchSize?: number, nc: NatsConnection = nats.nc): DispatchPassDeps => ({
    store: createPgDispatchStore(orm),
    publisher: createJetStreamWorkPublisher(jetstream(nc), nats.names),
    batchSize,
  });

  async function submit(orgId: string, count: number, priority = 0): Promise<string[]> {
    const store = createPgJobStore(db.orm);
    const ids: string[] = [];
    // One after another, so created_at orders them.
    for (let i = 0; i < count; i++) ids.push((await store.submitJob({ orgId, type, estimatedCredits: 1, priority })).job.id);
    return ids;
  }

  async function statuses(): Promise<Map<string, string>> {
    const rows = await db.orm.em.fork().execute<{ id: string; status: string }[]>("select id, status from jobs");
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  async function activeCount(orgId: string): Promise<number> {
    const [row] = await db.orm.em
      .fork()
      .execute<{ n: number }[]>("select count(*)::int as n from jobs where org_id = ? and status in ('dispatched', 'running')", [orgId]);
    return row!.n;
  }

  async function finish(jobId: string): Promise<void> {
    const store = createPgJobStore(db.orm);
    const agentId = await seedAgent(db.orm, [type]);
    const job = (await store.getJob(jobId))!;
    await store.applyEvent(jobId, { status: JobStatus.DISPATCHED, attempt: job.attempt }, { kind: "claimed", agentId });
    await store.applyEvent(jobId, { status: JobStatus.RUNNING, attempt: job.attempt }, { kind: "completed", usageSeconds: 1 }, {
      actualCredits: 1,
    });
  }

  it("publishes WAITING jobs with msg id <jobId>:<attempt> and a DispatchMessage body, then marks them DISPATCHED", async () => {
    const orgId = await seedOrg(db.orm, { credits: 100 });
    const ids = await submit(orgId, 3, 2);

    const result = await runDispatchPass(deps());
    expect(result).toMatchObject({ locked: true, picked: 3, published: 3, dispatched: 3, failed: 0, more: false });

    const s = await statuses();
    expect(ids.map((id) => s.get(id))).toEqual(["dispatched", "dispatched", "dispatched"]);
    const messages = await streamMessages(jsm, nats.names.dispatchStream);
    expect(messages.map(msgIdOf).sort()).toEqual(ids.map((id) => `${id}:1`).sort());
    for (const m of messages) {
      expect(m.subject).toBe(nats.names.dispatchSubject(type));
      const body = fromBinary(DispatchMessageSchema, m.data);
      expect(body).toMatchObject({ attempt: 1, type, orgId, priority: 2 });
      expect(msgIdOf(m)).toBe(`${body.jobId}:1`);
    }
    const events = await createPgJobStore(db.orm).listJobEvents(ids[0]!);
    expect(events.map((e) => e.type)).toEqual(["job.created", "job.dispatched"]);
    expect(events[1]!.payload.status).toBe("dispatched");

    // Nothing left: the next pass does nothing, and publishes nothing twice.
    expect(await runDispatchPass(deps())).toMatchObject({ picked: 0, published: 0 });
    expect(await streamMessages(jsm, nats.names.dispatchStream)).toHaveLength(3);
  });

  it("keeps an org within its plan: free (1 concurrent) with 5 waiting dispatches one at a time", async () => {
    const orgId = await seedOrg(db.orm, { plan: "free", credits: 100 });
    const ids = await submit(orgId, 5);
    for (let i = 0; i < 5; i++) {
      const r = await runDispatchPass(deps());
      expect(r.dispatched).toBe(1);
      expect(await runDispatchPass(deps())).toMatchObject({ picked: 0 }); // the slot is taken
      expect(await activeCount(orgId)).toBe(1);
      const s = await statuses();
      expect(s.get(ids[i]!)).toBe("dispatched"); // oldest first at equal priority
      await finish(ids[i]!);
    }
    expect(await streamMessages(jsm, nats.names.dispatchStream)).toHaveLength(5);
  });

  it("is fair: org B's one job goes out in the first pass although org A has 200 waiting", async () => {
    const a = await seedOrg(db.orm, { plan: "pro", credits: 10_000 });
    const b = await seedOrg(db.orm, { plan: "pro", credits: 100 });
    await submit(a, 200);
    const [bJob] = await submit(b, 1); // the newest job of all

    const first = await runDispatchPass(deps(db.orm, 10));
    expect(first).toMatchObject({ picked: 10, dispatched: 10, more: true });
    expect((await statuses()).get(bJob!)).toBe("dispatched");
    // Round one (each org's best job) went out before A's second job.
    const messages = await streamMessages(jsm, nats.names.dispatchStream);
    const bSeq = messages.find((m) => msgIdOf(m) === `${bJob}:1`)!.seq;
    expect(bSeq - messages[0]!.seq).toBeLessThan(2);

    // A fills exactly its 25 slots over the next passes, no more.
    while ((await runDispatchPass(deps(db.orm, 10))).picked > 0);
    expect(await activeCount(a)).toBe(25);
    expect(await activeCount(b)).toBe(1);
  });

  it("orders an org's jobs by priority, then age", async () => {
    const orgId = await seedOrg(db.orm, { plan: "free", credits: 100 });
    const [low] = await submit(orgId, 1, 0);
    const [high] = await submit(orgId, 1, 5);
    const [mid] = await submit(orgId, 1, 1);
    const [low2] = await submit(orgId, 1, 0);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      await runDispatchPass(deps());
      const s = await statuses();
      const dispatched = [...s].find(([, status]) => status === "dispatched")![0];
      order.push(dispatched);
      await finish(dispatched);
    }
    expect(order).toEqual([high, mid, low, low2]);
  });

  it("two dispatchers on two connections never exceed a plan and never publish an attempt twice", async () => {
    const pro = await seedOrg(db.orm, { plan: "pro", credits: 10_000 });
    const free = await seedOrg(db.orm, { plan: "free", credits: 100 });
    const proJobs = await submit(pro, 60);
    const freeJobs = await submit(free, 4);
    const otherOrm = await createOrm(db.url, { poolSize: 5 });
    const otherNc = await connect({ servers: nats.url });
    try {
      const instances = [deps(db.orm, 7), deps(otherOrm, 7, otherNc)];
      let skipped = 0;
      for (let round = 0; round < 40; round++) {
        const results = await Promise.all(instances.flatMap((d) => [runDispatchPass(d), runDispatchPass(d)]));
        skipped += results.filter((r) => !r.locked).length;
        expect(await activeCount(pro)).toBeLessThanOrEqual(25);
        expect(await activeCount(free)).toBeLessThanOrEqual(1);
        // Free some slots (oldest dispatched first) so later rounds have work.
        const s = await statuses();
        const active = [...proJobs, ...freeJobs].filter((id) => s.get(id) === "dispatched").slice(0, 5);
        for (const id of active) await finish(id);
        if ([...s.values()].every((v) => v !== "waiting") && active.length === 0) break;
      }
      expect(skipped).toBeGreaterThan(0); // they did run into each other
      const s = await statuses();
      expect([...proJobs, ...freeJobs].every((id) => s.get(id) === "complete")).toBe(true);
      const messages = await streamMessages(jsm, nats.names.dispatchStream);
      const ids = messages.map(msgIdOf);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual([...proJobs, ...freeJobs].map((id) => `${id}:1`).sort());
      const [dispatchedEvents] = await db.orm.em
        .fork()
        .execute<{ n: number }[]>("select count(*)::int as n from job_events where type = 'job.dispatched'");
      expect(dispatchedEvents!.n).toBe(64);
    } finally {
      await otherNc.close();
      await otherOrm.close();
    }
  });

  it("leaves jobs WAITING when the publish fails, and dispatches them on a later pass", async () => {
    const orgId = await seedOrg(db.orm, { credits: 100 });
    const ids = await submit(orgId, 2);
    const closed = await connect({ servers: nats.url });
    await closed.close();
    const failed = await runDispatchPass(deps(db.orm, undefined, closed));
    expect(failed).toMatchObject({ picked: 2, published: 0, dispatched: 0, failed: 2 });
    expect([...(await statuses()).values()]).toEqual(["waiting", "waiting"]);

    expect(await runDispatchPass(deps())).toMatchObject({ dispatched: 2 });
    expect(ids.map((id) => id).every(Boolean)).toBe(true);
  });

  it("republishing an attempt after a lost marking is deduplicated and then marks the job", async () => {
    const orgId = await seedOrg(db.orm, { credits: 100 });
    const [id] = await submit(orgId, 1);
    // Publish as a pass would, but "crash" before marking.
    const publisher = createJetStreamWorkPublisher(jetstream(nats.nc), nats.names);
    const [first] = await publisher.publishAll([{ jobId: id!, orgId, type, attempt: 1, priority: 0 }]);
    expect(first).toMatchObject({ ok: true, duplicate: false });

    expect(await runDispatchPass(deps())).toMatchObject({ published: 1, dispatched: 1 });
    expect(await streamMessages(jsm, nats.names.dispatchStream)).toHaveLength(1);
  });
});
