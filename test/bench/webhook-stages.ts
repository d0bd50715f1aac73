/**
 * Where a webhook's latency goes, from the rows each stage leaves behind
 * (the database's clock, the same host's as the receiver's):
 *
 *   occurred   job_events.occurred_at: the completion committed (outbox row)
 *   relayed    job_events.published_at: JetStream acked the relay's publish
 *              and the relay marked the row (the gateway may have the
 *              message a little before this)
 *   enqueued   webhook_deliveries.created_at: the gateway's
 *              EnqueueWebhookEvents made the delivery
 *   received   the receiver had the POST (after the claim and the connect)
 *
 * Each is given from `occurred`, so the three read as a cumulative split.
 */
import { summarize, type Summary } from "./percentiles.js";
import type { BenchStack } from "./servers.js";
import type { BenchEndpoint } from "./webhook-endpoints.js";
import type { Arrival } from "./webhook-receiver.js";

export interface StageLatencies {
  readonly occurredToRelayedMs: Summary;
  readonly occurredToEnqueuedMs: Summary;
  readonly occurredToReceivedMs: Summary;
}

interface StageRow {
  event_id: string;
  occurred_ms: number;
  published_ms: number | null;
  enqueued_ms: number;
}

export interface StageTimes {
  readonly eventId: string;
  readonly occurredMs: number;
  readonly publishedMs: number | null;
  readonly enqueuedMs: number;
}

/** Pure: the split for the arrivals whose event has a row (every one, after an exactly-once check). */
export function stageLatencies(rows: readonly StageTimes[], arrivals: readonly Arrival[]): StageLatencies {
  const at = new Map(arrivals.map((a) => [a.webhookId, a.atMs]));
  const relayed: number[] = [];
  const enqueued: number[] = [];
  const received: number[] = [];
  for (const r of rows) {
    const arrived = at.get(r.eventId);
    if (arrived === undefined) continue;
    if (r.publishedMs !== null) relayed.push(r.publishedMs - r.occurredMs);
    enqueued.push(r.enqueuedMs - r.occurredMs);
    received.push(arrived - r.occurredMs);
  }
  return { occurredToRelayedMs: summarize(relayed), occurredToEnqueuedMs: summarize(enqueued), occurredToReceivedMs: summarize(received) };
}

export async function stageTimes(stack: BenchStack, endpoint: BenchEndpoint): Promise<StageTimes[]> {
  const rows = await stack.query<StageRow>(
    `select ev.event_id,
            extract(epoch from ev.occurred_at)::float8 * 1000 as occurred_ms,
            extract(epoch from ev.published_at)::float8 * 1000 as published_ms,
            extract(epoch from d.created_at)::float8 * 1000 as enqueued_ms
       from webhook_deliveries d join job_events ev on ev.event_id = d.event_id
      where d.endpoint_id = $1`,
    [endpoint.id],
  );
  return rows.map((r) => ({ eventId: r.event_id, occurredMs: r.occurred_ms, publishedMs: r.published_ms, enqueuedMs: r.enqueued_ms }));
}
