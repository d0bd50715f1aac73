/**
 * One job's timeline, page by page, in sequence order. Only sequenced events
 * are listed (the sequencer numbers them within milliseconds of commit), so a
 * page never shows an event that a later page would have to put before it.
 */
import type { StoredJobEvent } from "./job-store.js";
import { JOB_EVENT_JSON, jobEventFromRow, type JobEventRowJson } from "./job-event-rows.js";
import type { Orm } from "./orm.js";

export async function listJobTimeline(
  orm: Orm,
  jobId: string,
  afterSequence: bigint,
  limit: number,
): Promise<{ events: StoredJobEvent[]; hasMore: boolean }> {
  const rows = await orm.em
    .fork()
    .execute<{ e: JobEventRowJson }[]>(
      `select ${JOB_EVENT_JSON} from job_events e where e.job_id = ? and e.sequence > ? order by e.sequence limit ?`,
      [jobId, afterSequence.toString(), limit + 1],
    );
  return { events: rows.slice(0, limit).map((r) => jobEventFromRow(r.e)), hasMore: rows.length > limit };
}
