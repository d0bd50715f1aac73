/**
 * Reading job_events rows as StoredEvent (a job's or an org's balance
 * event). Rows are selected as one jsonb value (`to_jsonb(e)`) so timestamps
 * arrive as ISO-8601 whatever the driver's type parsers do; the two bigint
 * columns are re-added as text because a JSON number would lose precision
 * past 2^53.
 */
import type { BalanceSnapshot } from "../../domain/balance-alerts.js";
import type { JobSnapshot } from "./job-record.js";
import type { StoredEvent, StoredJobEvent } from "./job-store.js";

/** The select-list item; alias the table `e`. Read the result column `e`. */
export const JOB_EVENT_JSON = "to_jsonb(e) || jsonb_build_object('id', e.id::text, 'sequence', e.sequence::text) as e";

export interface JobEventRowJson {
  readonly id: string;
  readonly event_id: string;
  readonly org_id: string;
  /** Null on balance.* rows (the org's, not a job's), set on every other row. */
  readonly job_id: string | null;
  readonly attempt: number | null;
  readonly type: string;
  readonly status: string | null;
  readonly payload: JobSnapshot | BalanceSnapshot;
  readonly occurred_at: string;
  readonly sequence: string | null;
  readonly published_at: string | null;
}

/** Any outbox row: a job event, or a balance event (job_id null; the table's CHECK keeps the rest null too). */
export function eventFromRow(e: JobEventRowJson): StoredEvent {
  const common = {
    id: e.id,
    eventId: e.event_id,
    orgId: e.org_id,
    type: e.type,
    occurredAt: new Date(e.occurred_at),
    sequence: e.sequence,
    publishedAt: e.published_at === null ? null : new Date(e.published_at),
  };
  if (e.job_id === null) {
    return { ...common, jobId: null, attempt: null, status: null, payload: e.payload as BalanceSnapshot };
  }
  return { ...common, jobId: e.job_id, attempt: e.attempt ?? 0, status: e.status ?? "", payload: e.payload as JobSnapshot };
}

/** A row read by job (`where job_id = ?`): always a job event. */
export function jobEventFromRow(e: JobEventRowJson): StoredJobEvent {
  const event = eventFromRow(e);
  if (event.jobId === null) throw new Error(`event ${e.event_id} (${e.type}) belongs to no job`);
  return event;
}
