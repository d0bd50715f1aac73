import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { JobEvent } from "../../../../proto/gen/jobplane/v1/event_pb.js";
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { startTestControlPlane, type TestControlPlane } from "../../../../test/support/control-plane.js";
import { seedApiKey, seedJobType, seedOrg } from "../../../../test/support/db-fixtures.js";
import { useDeferredCleanup } from "../../../../test/support/deferred-cleanup.js";
import { COMPLETED_TIMELINE, driveToCompletion, submitJobs } from "../../../../test/support/job-lifecycle.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";
import { readJobEvents } from "../../../../test/support/read-job-events.js";

const TYPE = "test.watched";
const PROTOCOLS = ["connect", "grpc"] as const;

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (outcome === undefined) throw new Error("expected the call to fail");
  return ConnectError.from(outcome);
}

const sequences = (events: readonly JobEvent[]) => events.map((e) => Number(e.sequence));

describe("WatchJob / WatchJobs", () => {
  const db = useTestDatabase({ poolSize: 30 });
  const defer = useDeferredCleanup();

  async function setup() {
    const cp = await startTestControlPlane({
      databaseUrl: db.url,
      env: { JOBPLANE_SEQUENCER_INTERVAL_MS: "200" },
    });
    defer(() => cp.close());
    await seedJobType(db.orm, { name: TYPE });
    const store = createPgJobStore(db.orm);
    const org = async () => {
      const orgId = await seedOrg(db.orm, { credits: 100_000 });
      const { secret } = await seedApiKey(db.orm, orgId);
      return { orgId, key: secret };
    };
    return { cp, store, a: await org(), b: await org() };
  }

  /** The org's sequences above `after`, from the table: what a watcher must see. */
  async function orgSequences(cp: TestControlPlane, orgId: string, after: number): Promise<number[]> {
    const rows = await cp.orm.em
      .fork()
      .execute<{ sequence: string }[]>(
        "select e.sequence::text as sequence from job_events e where e.org_id = ? and e.sequence > ? order by e.sequence",
        [orgId, after],
      );
    return rows.map((r) => Number(r.sequence));
  }

  it.each(PROTOCOLS)("WatchJobs (%s) sees every event in order and resumes after a disconnect with no gap", async (protocol) => {
    const { cp, store, a, b } = await setup();
    const client = cp.client(JobService, a.key, protocol);

    // A finished job first: once WatchJob has replayed it, its sequences are known.
    const [first] = await submitJobs(store, a.orgId, TYPE, 1);
    await driveToCompletion(db.orm, store, first as string, TYPE);
    const history = await readJobEvents(client.watchJob({ id: first }));
    expect(history.ended).toBe(true);
    const start = Number(history.events.at(-1)?.sequence);

    // Org B writes all along; org A's watcher must never see it.
    const noise = (async () => {
      const ids = await submitJobs(store, b.orgId, TYPE, 5);
      await Promise.all(ids.map((id) => driveToCompletion(db.orm, store, id, TYPE)));
    })();
    defer(() => noise.catch(() => {}));

    const disconnect = new AbortController();
    const stream = client.watchJobs({ afterSequence: BigInt(start) }, { signal: disconnect.signal });
    const phase1 = (async () => {
      const ids = await submitJobs(store, a.orgId, TYPE, 10);
      await Promise.all(ids.map((id) => driveToCompletion(db.orm, store, id, TYPE)));
    })();
    defer(() => phase1.catch(() => {}));
    // Disconnect part-way through phase 1.
    const before = await readJobEvents(stream, (seen) => seen.length === 20);
    disconnect.abort();
    await phase1;
    // More events while nobody watches.
    const ids = await submitJobs(store, a.orgId, TYPE, 10);
    await Promise.all(ids.map((id) => driveToCompletion(db.orm, store, id, TYPE)));
    await noise;

    const last = before.events.at(-1)?.sequence ?? 0n;
    // 20 jobs × 5 events after `start`, 20 of them seen before the disconnect.
    const after = await readJobEvents(client.watchJobs({ afterSequence: last }), (seen) => seen.length === 100 - 20);
    const seen = [...before.events, ...after.events];
    expect(seen.every((e) => e.orgId === a.orgId)).toBe(true);
    expect(sequences(seen)).toEqual(await orgSequences(cp, a.orgId, start));
    expect(new Set(seen.map((e) => e.id)).size).toBe(100);
    expect(seen[0]?.job?.id).toBeDefined();
  });

  it("WatchJobs with after_sequence 0 starts at the present, and filters by job type", async () => {
    const { cp, store, a } = await setup();
    await seedJobType(db.orm, { name: "test.other" });
    const client = cp.client(JobService, a.key);
    const [old] = await submitJobs(store, a.orgId, TYPE, 1);
    await driveToCompletion(db.orm, store, old as string, TYPE);
    await readJobEvents(client.watchJob({ id: old })); // its 5 events are sequenced now

    // Keep writing until the stream, opened "now", shows something: whatever
    // it shows first comes after the history, and the rest follows without gaps.
    const stop = new AbortController();
    const writer = (async () => {
      while (!stop.signal.aborted) await store.submitJob({ orgId: a.orgId, type: TYPE, estimatedCredits: 1 });
    })();
    defer(() => writer.catch(() => {}));
    const live = await readJobEvents(client.watchJobs({ afterSequence: 0n }), (seen) => seen.length === 3);
    stop.abort();
    await writer;
    expect(Number(live.events[0]?.sequence)).toBeGreaterThan(5);
    expect(sequences(live.events)).toEqual(sequences(live.events).map((_, i) => Number(live.events[0]?.sequence) + i));
    expect(live.events.every((e) => e.type === "job.created")).toBe(true);

    // Only the other type's events, from the beginning of the timeline.
    const { job: other } = await store.submitJob({ orgId: a.orgId, type: "test.other", estimatedCredits: 1 });
    await store.applyEvent(other.id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "cancelRequested" });
    const typed = await readJobEvents(client.watchJobs({ afterSequence: 1n, types: ["test.other"] }), (seen) => seen.length === 2);
    expect(typed.events.map((e) => [e.jobId, e.type, e.job?.type])).toEqual([
      [other.id, "job.created", "test.other"],
      [other.id, "job.cancelled", "test.other"],
    ]);
  });

  it.each(PROTOCOLS)("WatchJob (%s) replays a finished job and ends; follows a live one to its end", async (protocol) => {
    const { cp, store, a, b } = await setup();
    const client = cp.client(JobService, a.key, protocol);
    const [done, running] = (await submitJobs(store, a.orgId, TYPE, 2)) as [string, string];
    await driveToCompletion(db.orm, store, done, TYPE);

    const replay = await readJobEvents(client.watchJob({ id: done }));
    expect(replay.ended).toBe(true);
    expect(replay.events.map((e) => e.type)).toEqual([...COMPLETED_TIMELINE]);
    expect(replay.events.at(-1)?.job?.status).toBe(JobStatus.COMPLETE);
    expect(replay.events.every((e) => e.jobId === done && e.orgId === a.orgId)).toBe(true);

    // Resuming after the terminal event: nothing left, the stream ends at once.
    const resumed = await readJobEvents(client.watchJob({ id: done, afterSequence: replay.events.at(-1)?.sequence ?? 0n }));
    expect(resumed).toEqual({ events: [], ended: true });
    // Resuming in the middle: the rest of the timeline.
    const middle = await readJobEvents(client.watchJob({ id: done, afterSequence: replay.events[2]?.sequence ?? 0n }));
    expect(middle.events.map((e) => e.type)).toEqual(COMPLETED_TIMELINE.slice(3));

    // A live job: watch it from its creation, then let it run.
    const live = client.watchJob({ id: running });
    const created = await readJobEvents(live, (seen) => seen.length === 1);
    expect(created.events.map((e) => e.type)).toEqual(["job.created"]);
    await driveToCompletion(db.orm, store, running, TYPE);
    const rest = await readJobEvents(live);
    expect(rest.ended).toBe(true);
    expect(rest.events.map((e) => e.type)).toEqual(COMPLETED_TIMELINE.slice(1));

    // Another org's job is not found, whether it exists or not.
    const other = cp.client(JobService, b.key, protocol);
    const foreign = await rejection(readJobEvents(other.watchJob({ id: done })));
    expect(foreign.code).toBe(Code.NotFound);
    const missing = await rejection(readJobEvents(client.watchJob({ id: "job_0000000000000000" })));
    expect(missing.code).toBe(Code.NotFound);
    const anonymous = await rejection(readJobEvents(cp.client(JobService, undefined, protocol).watchJobs({})));
    expect(anonymous.code).toBe(Code.Unauthenticated);
  });

  it("close() ends open watch streams cleanly instead of waiting out the grace period", async () => {
    const { cp, store, a } = await setup();
    const [id] = await submitJobs(store, a.orgId, TYPE, 1);
    const streams = PROTOCOLS.map((protocol) => {
      const stream = cp.client(JobService, a.key, protocol).watchJob({ id });
      return { protocol, iterator: stream[Symbol.asyncIterator]() };
    });
    // Both streams are open and live: each has its job.created.
    for (const s of streams) expect((await s.iterator.next()).value?.event?.type).toBe("job.created");

    const started = performance.now();
    await cp.close();
    const closeMs = performance.now() - started;
    // The HTTP/1.1 stream was ended by the server (status OK, no error).
    const connect = streams.find((s) => s.protocol === "connect");
    expect(await connect?.iterator.next()).toEqual({ done: true, value: undefined });
    // The test harness uses a 2 s grace period: a stream that did not end would hold close() that long.
    expect(closeMs).toBeLessThan(1500);
    console.info(`close() with open watch streams: ${closeMs.toFixed(0)} ms`);
  });
});
