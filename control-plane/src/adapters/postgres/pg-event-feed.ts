/**
 * EventFeed on PostgreSQL: one reader per instance follows the sequenced
 * timeline and fans events out to this instance's subscribers, so a thousand
 * watchers cost one query per batch of events, not a thousand.
 *
 * Reader loop states:
 *   stopped —start()→ following: position = max(sequence), LISTEN jobplane_sequenced
 *   following —NOTIFY with a sequence above position | every pollIntervalMs |
 *     reconnect→ read `sequence > position order by sequence limit pageSize`
 *     until a short page, handing each row to the matching subscribers and
 *     advancing position (coalesced: one read at a time, plus one more)
 *   following —stop()→ stopped: every subscription ends, the read in flight is awaited
 * Which events a subscriber gets: its org's; with a jobId only that job's,
 * with jobTypes only those jobs' — balance events (job_id null) match
 * neither, so WatchJob never sees them and an unfiltered WatchJobs does.
 * Invariant: the sequencer makes numbering transactions visible in sequence
 * order, so what `sequence > position` returns is always the next stretch of
 * the timeline: the reader never skips a sequence and never sees one twice.
 * Dispatching a page and advancing position happen without an await between
 * them, so a subscriber registered at any moment gets, live, exactly the
 * events above the position at that moment — all of which are committed and
 * readable from the table.
 *
 * Subscription states (subscribe()):
 *   catching up —a page of history (sequence > last) delivered; a full page or
 *     an overflowed live buffer (reset, its events are in the table too)→ catching up
 *   catching up —short page and no overflow→ live
 *   live —buffered event with sequence > last→ delivered (≤ last: already replayed, dropped)
 *   live —buffer overflowed (the consumer is too slow)→ ended: RATE_LIMITED "resume from sequence <last>"
 *   any —signal aborted or feed stopped→ ended (returns)
 * The live registration happens before the first history read: history covers
 * everything up to the position at registration, live everything above it.
 */
import type { Logger } from "pino";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { BoundedQueue } from "../../app/bounded-queue.js";
import { createCoalescingTask } from "../../app/coalescing-task.js";
import type { EventFeed, EventSubscription, JobTimelineHead } from "../../app/event-feed.js";
import { DomainError } from "../../domain/domain-error.js";
import { parseStatusName } from "../../domain/job-status.js";
import { SEQUENCED_CHANNEL } from "./event-sequencer.js";
import { eventFromRow, JOB_EVENT_JSON, type JobEventRowJson } from "./job-event-rows.js";
import type { StoredEvent } from "./job-store.js";
import type { Orm } from "./orm.js";
import { pgListener, type PgListenerFactory } from "./pg-listener.js";

/**
 * Default live buffer per subscriber. At a JobEvent of ~2 KB that is ~20 MB
 * at worst per stuck watcher; a watcher that keeps up never holds more than
 * one page of events.
 */
export const DEFAULT_MAX_BUFFERED = 10_000;
export const DEFAULT_PAGE_SIZE = 500;

export interface PgEventFeedOptions {
  readonly orm: Orm;
  /** The same database as `orm`, for the dedicated LISTEN connection. */
  readonly databaseUrl: string;
  /** A shared LISTEN connection to use instead of a dedicated one. */
  readonly listen?: PgListenerFactory;
  readonly logger: Logger;
  /** Fallback read period, in case a notification was lost. */
  readonly pollIntervalMs: number;
  readonly maxBuffered?: number;
  readonly pageSize?: number;
}

export interface PgEventFeed extends EventFeed {
  start(): Promise<void>;
  /**
   * The last sequence this instance has read and handed to its subscribers.
   * max(sequence) − position() is how far its watchers lag the timeline.
   */
  position(): bigint;
  /** Ends every subscription and stops following. */
  stop(): Promise<void>;
}

interface Sink {
  readonly orgId: string;
  readonly jobId: string | undefined;
  readonly jobTypes: ReadonlySet<string> | undefined;
  readonly queue: BoundedQueue<StoredEvent>;
}

function matches(sink: Sink, event: StoredEvent): boolean {
  if (event.jobId === null) return sink.jobId === undefined && sink.jobTypes === undefined;
  return (
    (sink.jobId === undefined || sink.jobId === event.jobId) &&
    (sink.jobTypes === undefined || sink.jobTypes.has(event.payload.type))
  );
}

/** The sequence of a row read by sequence (never null there). */
function sequenceOf(event: StoredEvent): bigint {
  if (event.sequence === null) throw new Error(`event ${event.eventId} has no sequence`);
  return BigInt(event.sequence);
}

export function fellBehind(lastSequence: bigint): DomainError {
  return new DomainError(ErrorCode.RATE_LIMITED, `watcher fell behind; resume from sequence ${lastSequence}`, {
    metadata: { resume_after_sequence: String(lastSequence) },
  });
}

export function createPgEventFeed(options: PgEventFeedOptions): PgEventFeed {
  const { orm, logger } = options;
  const maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const sinksByOrg = new Map<string, Set<Sink>>();
  let position = 0n;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  function dispatch(event: StoredEvent): void {
    const sinks = sinksByOrg.get(event.orgId);
    if (!sinks) return;
    for (const sink of sinks) if (matches(sink, event)) sink.queue.push(event);
  }

  async function readNew(): Promise<void> {
    while (!stopped) {
      const rows = await orm.em
        .fork()
        .execute<{ e: JobEventRowJson }[]>(
          `select ${JOB_EVENT_JSON} from job_events e where e.sequence > ? order by e.sequence limit ?`,
          [position.toString(), pageSize],
        );
      // No await from here to the end of the loop body: see the header.
      for (const { e } of rows) {
        const event = eventFromRow(e);
        position = sequenceOf(event);
        dispatch(event);
      }
      if (rows.length < pageSize) return;
    }
  }

  const reader = createCoalescingTask(readNew, (err) => logger.error({ err }, "event feed read failed"));
  const listener = pgListener(options, {
    channel: SEQUENCED_CHANNEL,
    onNotify(payload) {
      // The payload is the sequencer's last sequence: skip what we already have.
      if (/^\d+$/.test(payload) && BigInt(payload) <= position) return;
      reader.request();
    },
    onListening: () => reader.request(),
  });

  // Mirrors matches(): `e.job_id = ?` and the payload's job type are never true of a balance row.
  async function readHistory(sub: EventSubscription, after: bigint): Promise<StoredEvent[]> {
    const where = ["e.org_id = ?", "e.sequence > ?"];
    const params: unknown[] = [sub.orgId, after.toString()];
    if (sub.jobId !== undefined) {
      where.push("e.job_id = ?");
      params.push(sub.jobId);
    }
    if (sub.jobTypes && sub.jobTypes.length > 0) {
      where.push("e.payload->>'type' = any(array[?]::text[])");
      params.push([...sub.jobTypes]);
    }
    const rows = await orm.em
      .fork()
      .execute<{ e: JobEventRowJson }[]>(
        `select ${JOB_EVENT_JSON} from job_events e where ${where.join(" and ")} order by e.sequence limit ?`,
        [...params, pageSize],
      );
    return rows.map(({ e }) => eventFromRow(e));
  }

  function register(sink: Sink): () => void {
    let sinks = sinksByOrg.get(sink.orgId);
    if (!sinks) sinksByOrg.set(sink.orgId, (sinks = new Set()));
    sinks.add(sink);
    return () => {
      sinks.delete(sink);
      if (sinks.size === 0 && sinksByOrg.get(sink.orgId) === sinks) sinksByOrg.delete(sink.orgId);
    };
  }

  async function* subscribe(sub: EventSubscription): AsyncGenerator<StoredEvent, void, undefined> {
    const { signal } = sub;
    if (stopped || signal?.aborted) return;
    const sink: Sink = {
      orgId: sub.orgId,
      jobId: sub.jobId,
      jobTypes: sub.jobTypes && sub.jobTypes.length > 0 ? new Set(sub.jobTypes) : undefined,
      queue: new BoundedQueue(maxBuffered),
    };
    const unregister = register(sink);
    const ended = (): boolean => stopped || signal?.aborted === true;
    try {
      let last = sub.afterSequence;
      // Catching up from the table.
      for (;;) {
        const page = await readHistory(sub, last);
        for (const event of page) {
          if (ended()) return;
          last = sequenceOf(event);
          yield event;
        }
        if (ended()) return;
        if (page.length === pageSize) continue;
        if (!sink.queue.overflowed) break;
        sink.queue.reset(); // what it dropped is committed: the next page reads it
      }
      // Live.
      for (;;) {
        if (ended()) return;
        if (sink.queue.overflowed) throw fellBehind(last);
        const event = sink.queue.shift();
        if (event === undefined) {
          if (sink.queue.closed) return;
          await sink.queue.wait(signal);
          continue;
        }
        const sequence = sequenceOf(event);
        if (sequence <= last) continue;
        last = sequence;
        yield event;
      }
    } finally {
      unregister();
    }
  }

  return {
    async start() {
      const [row] = await orm.em.fork().execute<{ top: string }[]>(
        "select coalesce(max(sequence), 0)::text as top from job_events",
      );
      position = BigInt(row?.top ?? "0");
      await listener.start();
      timer = setInterval(() => reader.request(), options.pollIntervalMs);
    },

    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const sinks of sinksByOrg.values()) for (const sink of sinks) sink.queue.close();
      await listener.stop();
      await reader.stop();
    },

    position: () => position,

    subscribe,

    async currentSequence(orgId) {
      const [row] = await orm.em
        .fork()
        .execute<{ top: string }[]>("select coalesce(max(sequence), 0)::text as top from job_events where org_id = ?", [
          orgId,
        ]);
      return BigInt(row?.top ?? "0");
    },

    async jobTimelineHead(orgId, jobId): Promise<JobTimelineHead | undefined> {
      const [row] = await orm.em.fork().execute<{ sequence: string | null; status: string | null }[]>(
        `select head.sequence::text as sequence, head.status
           from jobs j
           left join lateral (
             select e.sequence, e.status from job_events e
              where e.job_id = j.id and e.sequence is not null
              order by e.sequence desc limit 1
           ) head on true
          where j.id = ? and j.org_id = ?`,
        [jobId, orgId],
      );
      if (row === undefined) return undefined;
      return {
        sequence: BigInt(row.sequence ?? "0"),
        status: (row.status === null ? undefined : parseStatusName(row.status)) ?? JobStatus.UNSPECIFIED,
      };
    },
  };
}
