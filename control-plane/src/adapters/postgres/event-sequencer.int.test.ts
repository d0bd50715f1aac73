import pg from "pg";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { seedJobType, seedOrg } from "../../../../test/support/db-fixtures.js";
import { COMPLETED_TIMELINE, driveToCompletion, eventually, submitJobs } from "../../../../test/support/job-lifecycle.js";
import { useDeferredCleanup } from "../../../../test/support/deferred-cleanup.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { createEventSequencer, EVENTS_CHANNEL, SEQUENCED_CHANNEL, sequenceEvents, type SequencePassResult } from "./event-sequencer.js";
import { createOrm, type Orm } from "./orm.js";
import { createPgJobStore } from "./pg-job-store.js";

const JOBS = 50;
const silent = pino({ level: "silent" });

interface EventRow {
  readonly id: string;
  readonly job_id: string;
  readonly type: string;
  readonly sequence: string | null;
}

async function allEvents(orm: Orm): Promise<EventRow[]> {
  return orm.em
    .fork()
    .execute<EventRow[]>("select id::text as id, job_id, type, sequence::text as sequence from job_events e order by e.id");
}

/** Calls sequenceEvents on `orm` in a loop until `done` resolves; collects every pass. */
async function passUntil(orm: Orm, done: Promise<unknown>, batchSize: number): Promise<SequencePassResult[]> {
  let finished = false;
  void done.finally(() => (finished = true));
  const passes: SequencePassResult[] = [];
  while (!finished) passes.push(await sequenceEvents(orm, batchSize));
  return passes;
}

function expectGapFreeTimeline(rows: readonly EventRow[]): void {
  expect(rows.every((r) => r.sequence !== null)).toBe(true);
  const sequences = rows.map((r) => Number(r.sequence)).sort((a, b) => a - b);
  expect(sequences).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
  // Per job: sequence order == insertion (id) order, and the lifecycle reads in order.
  const byJob = Map.groupBy(rows, (r) => r.job_id);
  for (const events of byJob.values()) {
    const bySequence = [...events].sort((a, b) => Number(a.sequence) - Number(b.sequence));
    expect(bySequence.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(bySequence.map((e) => e.type)).toEqual([...COMPLETED_TIMELINE]);
  }
}

describe("event sequencer", () => {
  const db = useTestDatabase({ poolSize: 30 });
  const defer = useDeferredCleanup();

  async function setup() {
    const orgId = await seedOrg(db.orm, { credits: 1_000_000 });
    const type = await seedJobType(db.orm, { name: "test.sequenced" });
    return { orgId, type, store: createPgJobStore(db.orm) };
  }

  /** 50 jobs submitted at once, then all driven to completion at once: 250 rows from 250 transactions. */
  async function writeConcurrently(orgId: string, type: string, store = createPgJobStore(db.orm)): Promise<void> {
    const ids = await submitJobs(store, orgId, type, JOBS);
    await Promise.all(ids.map((id) => driveToCompletion(db.orm, store, id, type)));
  }

  it("numbers every row 1..N while writers commit, keeping each job's insertion order", async () => {
    const { orgId, type } = await setup();
    // Small batches so passes interleave with the writers many times.
    const writing = writeConcurrently(orgId, type);
    defer(() => writing.catch(() => {}));
    const passes = await passUntil(db.orm, writing, 7);
    await writing;
    passes.push(await sequenceEvents(db.orm, 7));

    const rows = await allEvents(db.orm);
    expect(rows).toHaveLength(JOBS * COMPLETED_TIMELINE.length);
    expectGapFreeTimeline(rows);
    expect(passes.reduce((n, p) => n + p.assigned, 0)).toBe(rows.length);
    expect(passes.filter((p) => p.assigned > 0).length).toBeGreaterThan(1);
  });

  it("two sequencers on two ORMs at once never number a row twice", async () => {
    const { orgId, type } = await setup();
    const other = await createOrm(db.url, { poolSize: 5 });
    try {
      const writing = writeConcurrently(orgId, type);
      defer(() => writing.catch(() => {}));
      const [a, b] = await Promise.all([passUntil(db.orm, writing, 5), passUntil(other, writing, 5)]);
      await writing;
      const last = await sequenceEvents(other, 5);

      const rows = await allEvents(db.orm);
      expectGapFreeTimeline(rows);
      const assigned = [...a, ...b, last].reduce((n, p) => n + p.assigned, 0);
      expect(assigned).toBe(rows.length);
      // Each instance did some of the work, and the lock turned the other away at times.
      expect(a.some((p) => p.assigned > 0) || b.some((p) => p.assigned > 0)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it("a reader following sequence > last never sees an earlier sequence appear later", async () => {
    const { orgId, type } = await setup();
    const sequencer = createEventSequencer({ orm: db.orm, databaseUrl: db.url, logger: silent, intervalMs: 50 });
    await sequencer.start();
    try {
      const expected = JOBS * COMPLETED_TIMELINE.length;
      const writing = writeConcurrently(orgId, type);
      defer(() => writing.catch(() => {}));
      let last = 0;
      const reads: number[][] = [];
      // Each read must continue exactly where the previous one stopped.
      await eventually(
        "the reader to see every event",
        async () => {
          const rows = await db.orm.em
            .fork()
            .execute<{ sequence: string }[]>(
              "select e.sequence::text as sequence from job_events e where e.sequence > ? order by e.sequence",
              [last],
            );
          const seen = rows.map((r) => Number(r.sequence));
          expect(seen).toEqual(seen.map((_, i) => last + i + 1));
          if (seen.length > 0) reads.push(seen);
          last = seen.at(-1) ?? last;
          return last === expected ? true : undefined;
        },
        30_000,
      );
      await writing;
      expect(reads.length).toBeGreaterThan(1);
      // Nothing appeared below what the reader had already passed.
      const [{ count }] = (await db.orm.em
        .fork()
        .execute<{ count: number }[]>("select count(*)::int as count from job_events where sequence is null or sequence > ?", [
          expected,
        ])) as [{ count: number }];
      expect(count).toBe(0);
    } finally {
      await sequencer.stop();
    }
  });

  it("the loop sequences a commit within milliseconds of its NOTIFY, and catches up on rows it missed", async () => {
    const { orgId, type, store } = await setup();
    // Every jobplane_sequenced notification, as a watcher's feed would get it.
    const sequenced = new pg.Client({ connectionString: db.url });
    sequenced.on("error", () => {});
    await sequenced.connect();
    await sequenced.query(`listen ${SEQUENCED_CHANNEL}`);
    let notified = 0n;
    let onNotified: (() => void) | undefined;
    sequenced.on("notification", (msg) => {
      notified = BigInt(msg.payload ?? "0");
      onNotified?.();
    });
    const untilSequenced = (sequence: bigint): Promise<void> =>
      new Promise((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error(`sequence ${sequence} not announced within 5 s`)), 5000);
        onNotified = () => {
          if (notified < sequence) return;
          clearTimeout(timeout);
          resolve();
        };
        onNotified();
      });

    // An interval far longer than the test: only NOTIFY can wake the sequencer.
    const sequencer = createEventSequencer({ orm: db.orm, databaseUrl: db.url, logger: silent, intervalMs: 600_000 });
    await sequencer.start();
    const latencies: number[] = [];
    try {
      for (let i = 1n; i <= 50n; i++) {
        await store.submitJob({ orgId, type, estimatedCredits: 1 });
        const committed = performance.now();
        await untilSequenced(i);
        latencies.push(performance.now() - committed);
      }
    } finally {
      await sequencer.stop();
    }
    latencies.sort((a, b) => a - b);
    // Informational: commit → sequenced and announced, as a listener sees it.
    console.info(
      `commit → jobplane_sequenced: median ${latencies[25]?.toFixed(1)} ms, ` +
        `p90 ${latencies[45]?.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms`,
    );

    // Rows written while no sequencer ran are numbered by the next one's first pass.
    await store.submitJob({ orgId, type, estimatedCredits: 1 });
    const next = createEventSequencer({ orm: db.orm, databaseUrl: db.url, logger: silent, intervalMs: 600_000 });
    await next.start();
    try {
      await untilSequenced(51n);
    } finally {
      await next.stop();
      await sequenced.end();
    }
  });

  it("keeps sequencing after its LISTEN connection is killed", async () => {
    const { orgId, type, store } = await setup();
    const sequencer = createEventSequencer({ orm: db.orm, databaseUrl: db.url, logger: silent, intervalMs: 600_000 });
    await sequencer.start();
    defer(() => sequencer.stop());
    const sequenceOf = async (jobId: string) => {
      const [row] = await db.orm.em
        .fork()
        .execute<{ sequence: string | null }[]>("select sequence::text as sequence from job_events where job_id = ?", [jobId]);
      return row?.sequence ?? undefined;
    };
    const { job: before } = await store.submitJob({ orgId, type, estimatedCredits: 1 });
    expect(await eventually("the first row to be sequenced", () => sequenceOf(before.id))).toBe("1");

    const [killed] = await db.orm.em
      .fork()
      .execute<{ killed: boolean }[]>(
        `select pg_terminate_backend(pid) as killed from pg_stat_activity
          where datname = current_database() and application_name = 'jobplane:${EVENTS_CHANNEL}'`,
      );
    expect(killed?.killed).toBe(true);
    // With a 10-minute fallback period, only the reconnected listener (or its
    // catch-up pass) can number this row.
    const { job: after } = await store.submitJob({ orgId, type, estimatedCredits: 1 });
    expect(await eventually("the row written after the kill to be sequenced", () => sequenceOf(after.id))).toBe("2");
  });
});
