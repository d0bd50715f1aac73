/**
 * The outbox relay's queries. A relay pass is one transaction holding
 * pg_try_advisory_xact_lock(RELAY_LOCK_KEY): one relay at a time across
 * instances, released by COMMIT or by the server when the connection dies.
 *
 * Only sequenced rows are relayed (`sequence is not null`), in sequence
 * order: the sequencer numbers a job's rows in insertion order, so sequence
 * order is the job's own order (job_events_unpublished_idx serves the scan).
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { eventFromRow, JOB_EVENT_JSON, type JobEventRowJson } from "./job-event-rows.js";
import type { StoredEvent } from "./job-store.js";
import type { Orm } from "./orm.js";

/** The advisory lock of the one relay pass ("jobrel" in ASCII). */
export const RELAY_LOCK_KEY = 0x6a6f6272656c;

export interface OutboxTx {
  /** Up to `limit` sequenced, unpublished rows (job and balance events), in sequence order. */
  unpublished(limit: number): Promise<StoredEvent[]>;
  /** Sets published_at on these rows (by job_events.id). */
  markPublished(ids: readonly string[]): Promise<void>;
}

export interface OutboxStore {
  /** Runs `fn` exclusively across instances and commits; undefined when another instance holds the lock. */
  exclusive<T>(fn: (tx: OutboxTx) => Promise<T>): Promise<T | undefined>;
}

function outboxTx(em: EntityManager): OutboxTx {
  return {
    async unpublished(limit) {
      const rows = await em.execute<{ e: JobEventRowJson }[]>(
        `select ${JOB_EVENT_JSON} from job_events e
          where e.published_at is null and e.sequence is not null
          order by e.sequence
          limit ?`,
        [limit],
      );
      return rows.map(({ e }) => eventFromRow(e));
    },
    async markPublished(ids) {
      if (ids.length === 0) return;
      await em.execute(
        "update job_events set published_at = now() where id in (select unnest(?::bigint[])) and published_at is null",
        [`{${ids.join(",")}}`],
        "run",
      );
    },
  };
}

export function createPgOutboxStore(orm: Orm): OutboxStore {
  return {
    async exclusive(fn) {
      const outcome = await orm.em.fork().transactional(async (em) => {
        const [lock] = await em.execute<{ locked: boolean }[]>("select pg_try_advisory_xact_lock(?) as locked", [
          RELAY_LOCK_KEY,
        ]);
        if (!lock?.locked) return undefined;
        return { value: await fn(outboxTx(em)) };
      });
      return outcome?.value;
    },
  };
}
