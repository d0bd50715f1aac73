import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { seedJobType, seedOrg } from "../../../../test/support/db-fixtures.js";
import { COMPLETED_TIMELINE, driveToCompletion, eventually, submitJobs } from "../../../../test/support/job-lifecycle.js";
import { useDeferredCleanup } from "../../../../test/support/deferred-cleanup.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import type { EventSubscription } from "../../app/event-feed.js";
import { DomainError } from "../../domain/domain-error.js";
import { createEventSequencer } from "./event-sequencer.js";
import type { StoredEvent } from "./job-store.js";
import { createPgEventFeed, type PgEventFeed, type PgEventFeedOptions } from "./pg-event-feed.js";
import { createPgJobStore } from "./pg-job-store.js";

const silent = pino({ level: "silent" });
const TYPE = "test.fed";

/**
 * Pulls events from `events` until `until` says stop, failing after
 * `timeoutMs`. The deadline is on the whole collection, so a missing event
 * fails the test instead of hanging it.
 */
async function collect(
  events: AsyncIterable<StoredEvent>,
  until: (seen: readonly StoredEvent[]) => boolean,
  timeoutMs = 20_000,
): Promise<StoredEvent[]> {
  const seen: StoredEvent[] = [];
  const iterator = events[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out with ${seen.length} events`)), timeoutMs);
  });
  try {
    while (!until(seen)) {
      const next = await Promise.race([iterator.next(), deadline]);
      if (next.done) break;
      seen.push(next.value);
    }
    return seen;
  } finally {
    clearTimeout(timer);
    void iterator.return?.();
  }
}

/** Waits until the feed has read (and handed out) everything up to `sequence`. */
async function followedTo(feed: PgEventFeed, sequence: bigint): Promise<void> {
  await eventually(`the feed to reach sequence ${sequence}`, async () => (feed.position() >= sequence ? true : undefined));
}

const sequences = (events: readonly StoredEvent[]) => events.map((e) => Number(e.sequence));
const contiguousFrom = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);

describe("PgEventFeed", () => {
  const db = useTestDatabase({ poolSize: 30 });
  const defer = useDeferredCleanup();

  /** A sequencer and a feed on the test database, stopped after the test. */
  async function start(feedOptions: Partial<PgEventFeedOptions> = {}) {
    const sequencer = createEventSequencer({ orm: db.orm, databaseUrl: db.url, logger: silent, intervalMs: 100 });
    const feed = createPgEventFeed({ orm: db.orm, databaseUrl: db.url, logger: silent, pollIntervalMs: 100, ...feedOptions });
    await feed.start();
    await sequencer.start();
    defer(async () => {
      await sequencer.stop();
      await feed.stop();
    });
    const store = createPgJobStore(db.orm);
    await seedJobType(db.orm, { name: TYPE });
    return { feed, store };
  }

  /** 20 jobs submitted and completed concurrently: 100 events for the org. */
  async function busyOrg(store: ReturnType<typeof createPgJobStore>, orgId: string, jobs = 20): Promise<void> {
    const ids = await submitJobs(store, orgId, TYPE, jobs);
    await Promise.all(ids.map((id) => driveToCompletion(db.orm, store, id, TYPE)));
  }

  it("replays history, then continues live across the hand-over, with no gap and no duplicate", async () => {
    // Tiny pages: the replay takes many round trips while writers keep committing.
    const { feed, store } = await start({ pageSize: 7 });
    const orgId = await seedOrg(db.orm, { credits: 100_000 });
    await busyOrg(store, orgId); // history: 100 events
    const writing = busyOrg(store, orgId); // 100 more while we replay
    defer(() => writing.catch(() => {}));

    const events = await collect(feed.subscribe({ orgId, afterSequence: 0n }), (seen) => seen.length === 200);
    await writing;
    expect(sequences(events)).toEqual(contiguousFrom(1, 200));
    expect(new Set(events.map((e) => e.eventId)).size).toBe(200);
  });

  it("resumes after a sequence, and filters by org, job and job type", async () => {
    const { feed, store } = await start();
    const orgA = await seedOrg(db.orm, { credits: 1000 });
    const orgB = await seedOrg(db.orm, { credits: 1000 });
    await seedJobType(db.orm, { name: "test.other" });
    const [a1, a2] = await submitJobs(store, orgA, TYPE, 2);
    const { job: other } = await store.submitJob({ orgId: orgA, type: "test.other", estimatedCredits: 1 });
    const [b1] = await submitJobs(store, orgB, TYPE, 1);
    for (const id of [a1, a2, b1] as string[]) await driveToCompletion(db.orm, store, id, TYPE);
    await store.applyEvent(other.id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "cancelRequested" });

    const all = await collect(feed.subscribe({ orgId: orgA, afterSequence: 0n }), (seen) => seen.length === 12);
    expect(all.every((e) => e.orgId === orgA)).toBe(true);
    const seqA = sequences(all);
    expect(seqA).toEqual([...seqA].sort((x, y) => x - y));

    const resumed = await collect(feed.subscribe({ orgId: orgA, afterSequence: BigInt(seqA[4] ?? 0) }), (s) => s.length === 7);
    expect(sequences(resumed)).toEqual(seqA.slice(5));

    const job = await collect(feed.subscribe({ orgId: orgA, jobId: a2 as string, afterSequence: 0n }), (s) => s.length === 5);
    expect(job.map((e) => e.type)).toEqual([...COMPLETED_TIMELINE]);
    expect(job.every((e) => e.jobId === a2)).toBe(true);

    const typed = await collect(feed.subscribe({ orgId: orgA, jobTypes: ["test.other"], afterSequence: 0n }), (s) => s.length === 2);
    expect(typed.map((e) => [e.jobId, e.type])).toEqual([
      [other.id, "job.created"],
      [other.id, "job.cancelled"],
    ]);

    // Another org's job is not reachable by id either.
    const foreign = await collect(
      feed.subscribe({ orgId: orgA, jobId: b1 as string, afterSequence: 0n, signal: AbortSignal.timeout(300) }),
      () => false,
    );
    expect(foreign).toEqual([]);
    expect(await feed.jobTimelineHead(orgA, b1 as string)).toBeUndefined();
    expect(await feed.jobTimelineHead(orgB, b1 as string)).toEqual({ sequence: expect.any(BigInt), status: JobStatus.COMPLETE });
    expect(await feed.currentSequence(orgA)).toBe(BigInt(seqA.at(-1) ?? 0));
  });

  it("a live subscriber that stops reading is ended with RATE_LIMITED naming its resume point", async () => {
    const { feed, store } = await start({ maxBuffered: 10 });
    const orgId = await seedOrg(db.orm, { credits: 1000 });
    await busyOrg(store, orgId, 1);
    await followedTo(feed, 5n);
    const iterator = feed.subscribe({ orgId, afterSequence: 0n })[Symbol.asyncIterator]();
    for (let i = 1; i <= 5; i++) expect((await iterator.next()).value?.sequence).toBe(String(i));
    // Replay done: this next() waits live and gets the first new event.
    const sixth = iterator.next();
    await busyOrg(store, orgId, 7);
    expect((await sixth).value?.sequence).toBe("6");
    // Not reading while 34 more arrive: the 10-event buffer overflows.
    await followedTo(feed, 40n);
    const outcome = await iterator.next().catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(DomainError);
    expect((outcome as DomainError).code).toBe(ErrorCode.RATE_LIMITED);
    expect((outcome as DomainError).message).toBe("watcher fell behind; resume from sequence 6");
    expect((outcome as DomainError).metadata).toEqual({ resume_after_sequence: "6" });
    // Resuming from the named sequence gets the rest, in order.
    const rest = await collect(feed.subscribe({ orgId, afterSequence: 6n }), (s) => s.length === 34);
    expect(sequences(rest)).toEqual(contiguousFrom(7, 34));
  });

  it("a buffer that overflows during the replay is caught up from the table, not an error", async () => {
    const { feed, store } = await start({ maxBuffered: 3, pageSize: 4 });
    const orgId = await seedOrg(db.orm, { credits: 10_000 });
    await busyOrg(store, orgId, 4);
    await followedTo(feed, 20n);
    const iterator = feed.subscribe({ orgId, afterSequence: 0n })[Symbol.asyncIterator]();
    const first = await iterator.next(); // replaying (a full first page); hold it here
    expect(first.value?.sequence).toBe("1");
    await busyOrg(store, orgId, 4);
    await followedTo(feed, 40n); // 20 live events went to a 3-event buffer
    const events = await collect({ [Symbol.asyncIterator]: () => iterator }, (s) => s.length === 39);
    expect(sequences([first.value as StoredEvent, ...events])).toEqual(contiguousFrom(1, 40));
  });

  it("ends subscriptions cleanly on abort and on stop()", async () => {
    const { feed } = await start();
    const orgId = await seedOrg(db.orm);
    const abort = new AbortController();
    const aborted = collect(feed.subscribe({ orgId, afterSequence: 0n, signal: abort.signal }), () => false);
    const stopped = collect(feed.subscribe({ orgId, afterSequence: 0n } satisfies EventSubscription), () => false);
    abort.abort();
    expect(await aborted).toEqual([]);
    await feed.stop();
    expect(await stopped).toEqual([]);
    expect(await collect(feed.subscribe({ orgId, afterSequence: 0n }), () => false)).toEqual([]);
  });
});
