/**
 * Reading job_events rows as StoredJobEvent. Rows are selected as one jsonb
 * value (`to_jsonb(e)`) so timestamps arrive as ISO-8601 whatever the driver's
 * type parsers do; the two bigint columns are re-added as text because a JSON
 * number would lose precision past 2^53.
 */
import type { StoredJobEvent } from "./job-store.js";

/** The select-list item; alias the table `e`. Read the result column `e`. */
export const JOB_EVENT_JSON = "to_jsonb(e) || jsonb_build_object('id', e.id::text, 'sequence', e.sequence::text) as e";

export interface JobEventRowJson {
  readonly id: string;
  readonly event_id: string;
  readonly org_id: string;
  readonly job_id: string;
  readonly attempt: number;
  readonly type: string;
  readonly status: string;
  readonly payload: StoredJobEvent["payload"];
  readonly occurred_at: string;
  readonly sequence: string | null;
  readonly published_at: string | null;
}

export function jobEventFromRow(e: JobEventRowJson): StoredJobEvent {
  return {
    id: e.id,
    eventId: e.event_id,
    orgId: e.org_id,
    jobId: e.job_id,
    attempt: e.attempt,
    type: e.type,
    status: e.status,
    payload: e.payload,
    occurredAt: new Date(e.occurred_at),
    sequence: e.sequence,
    publishedAt: e.published_at === null ? null : new Date(e.published_at),
  };
}
