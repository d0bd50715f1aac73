/**
 * WebhookQueue on PostgreSQL: webhook_deliveries as a leased work queue.
 *
 *   enqueue  one insert … select … on conflict (endpoint_id, event_id) do nothing
 *            for a whole batch: idempotent, so a gateway may enqueue the same
 *            stream messages again after a crash before its ack.
 *   claim    one update over a `for update skip locked` pick of due rows:
 *            concurrent claimers never get the same delivery and never wait
 *            for each other. The lease is next_at = now() + lease: a claimed
 *            delivery stays pending, so if its gateway dies it is simply due
 *            again when the lease runs out (attempts already counted it).
 *   report   one transaction: lock endpoint (only when the outcome may
 *            write it) then delivery (the order DeleteWebhookEndpoint's
 *            cascade takes them), check the guard,
 *            insert the attempt (primary key (delivery_id, attempt): a
 *            repeated report inserts nothing and changes nothing), then
 *            apply the outcome decided in domain/webhook-attempt-outcome.ts.
 * Times are the database's now(): every instance and gateway agrees on
 * what is due.
 */
import type { AttemptFacts, ClaimedRow, WebhookQueue } from "../../app/webhook-store.js";
import { isSuccessStatus } from "../../domain/webhook-attempt-outcome.js";
import { TEST_EVENT_TYPE } from "../../domain/webhook-events.js";
import type { Orm } from "./orm.js";
import { SQL_DELIVERY_ID } from "./pg-webhook-deliveries.js";
import { applyAttemptOutcome } from "./webhook-attempt-writes.js";

interface ClaimRowJson {
  readonly delivery_id: string;
  readonly endpoint_id: string;
  readonly event_id: string;
  readonly url: string;
  readonly attempt: number;
  readonly payload: string;
  readonly secret: string;
  readonly previous_secret: string | null;
  readonly previous_secret_expires_at: Date | string | null;
}

export function createPgWebhookQueue(orm: Orm): WebhookQueue {
  return {
    async enqueue(events, maxAttempts) {
      const batch = events.map((e) => ({
        event_id: e.eventId,
        org_id: e.orgId,
        event_type: e.eventType,
        payload: e.payload,
        occurred_at: e.occurredAt?.toISOString() ?? null,
      }));
      // An event reaches the endpoints of its org that are active, subscribed
      // to its type, and existed when it happened (a backlog replayed by a
      // gateway must not flood an endpoint created since).
      const [row] = await orm.em.fork().execute<{ created: number }[]>(
        `with ev as (
           select * from jsonb_to_recordset(?::jsonb)
             as ev(event_id text, org_id text, event_type text, payload text, occurred_at timestamptz)
         ), inserted as (
           insert into webhook_deliveries (id, endpoint_id, event_id, event_type, payload, status, next_at, max_attempts)
           select ${SQL_DELIVERY_ID}, e.id, ev.event_id, ev.event_type, ev.payload, 'pending', now(), ?
             from ev
             join webhook_endpoints e
               on e.org_id = ev.org_id and e.active and ev.event_type = any(e.events)
              and (ev.occurred_at is null or ev.occurred_at >= e.created_at)
           on conflict (endpoint_id, event_id) do nothing
           returning 1
         )
         select count(*)::int as created from inserted`,
        [JSON.stringify(batch), maxAttempts],
      );
      return row?.created ?? 0;
    },

    async claim(max, leaseMs): Promise<ClaimedRow[]> {
      // Deliveries of inactive endpoints wait (not due) — except test events,
      // which an org sends precisely to check an endpoint it may have disabled.
      // A delivery whose last attempt's lease ran out unreported (its gateway
      // died mid-POST) has no attempt left: it fails here rather than being
      // claimed beyond its budget, and an org can redeliver it.
      const rows = await orm.em.fork().execute<ClaimRowJson[]>(
        `with lost as (
           update webhook_deliveries
              set status = 'failed', next_at = null, updated_at = now(),
                  last_error = 'no report of the last attempt: the gateway delivering it stopped'
            where status = 'pending' and next_at <= now() and attempts >= max_attempts
         ), due as (
           select d.id, d.next_at
             from webhook_deliveries d
             join webhook_endpoints e on e.id = d.endpoint_id
            where d.status = 'pending' and d.next_at <= now() and d.attempts < d.max_attempts
              and (e.active or d.event_type = ?)
            order by d.next_at
            limit ?
            for update of d skip locked
         ), claimed as (
           update webhook_deliveries d
              set attempts = d.attempts + 1, next_at = now() + ? * interval '1 millisecond', updated_at = now()
             from due
            where d.id = due.id
           returning d.id, d.endpoint_id, d.event_id, d.attempts, d.payload, due.next_at as due_at
         )
         select c.id as delivery_id, c.endpoint_id, c.event_id, c.attempts as attempt, c.payload, e.url,
                e.secret, e.previous_secret, e.previous_secret_expires_at
           from claimed c join webhook_endpoints e on e.id = c.endpoint_id
          order by c.due_at`,
        [TEST_EVENT_TYPE, max, leaseMs],
      );
      return rows.map((r) => ({
        deliveryId: r.delivery_id,
        endpointId: r.endpoint_id,
        eventId: r.event_id,
        url: r.url,
        attempt: r.attempt,
        payload: r.payload,
        secrets: {
          secret: r.secret,
          previousSecret: r.previous_secret,
          previousSecretExpiresAt: r.previous_secret_expires_at === null ? null : new Date(r.previous_secret_expires_at),
        },
      }));
    },

    report(attempt, decide) {
      return orm.em.fork().transactional(async (em) => {
        const [owner] = await em.execute<{ endpoint_id: string }[]>("select endpoint_id from webhook_deliveries where id = ?", [
          attempt.deliveryId,
        ]);
        // Deleted with its endpoint while the POST was in flight: nothing to record.
        if (owner === undefined) return false;
        // The endpoint row is locked only when this report may write it: a failure (the run grows,
        // maybe disabling it) or a success ending a run. A success on a healthy endpoint — nearly
        // every report — changes nothing there, and locking it would make all reports to one
        // endpoint take turns through COMMIT (the bench saw ~120 deliveries/s per endpoint, 96 % of
        // sessions waiting on that row). Lock order stays endpoint → delivery, as the cascade of
        // DeleteWebhookEndpoint takes them.
        const readEndpoint = (lock: string) =>
          em.execute<{ active: boolean; consecutive_failures: number }[]>(
            `select active, consecutive_failures from webhook_endpoints where id = ? ${lock}`,
            [owner.endpoint_id],
          );
        let [endpoint] = await readEndpoint("");
        const locked = endpoint !== undefined && (!isSuccessStatus(attempt.statusCode) || endpoint.consecutive_failures > 0);
        if (locked) [endpoint] = await readEndpoint("for no key update");
        const [delivery] = await em.execute<{ attempts: number; max_attempts: number; event_type: string }[]>(
          `select attempts, max_attempts, event_type from webhook_deliveries
            where id = ? and endpoint_id = ? and status = 'pending' and attempts = ?
            for update`,
          [attempt.deliveryId, owner.endpoint_id, attempt.attempt],
        );
        // Stale: another gateway claimed it since, it was redelivered, or it is settled.
        if (endpoint === undefined || delivery === undefined) return false;
        const inserted = await em.execute<unknown[]>(
          `insert into webhook_delivery_attempts (delivery_id, attempt, status_code, ok, error, duration_ms, response_excerpt)
           values (?, ?, ?, ?, ?, ?, ?)
           on conflict (delivery_id, attempt) do nothing
           returning 1`,
          [
            attempt.deliveryId,
            attempt.attempt,
            attempt.statusCode,
            isSuccessStatus(attempt.statusCode),
            attempt.error,
            attempt.durationMs,
            attempt.responseExcerpt,
          ],
        );
        // Reported before (a gateway retrying its report): already applied once.
        if (inserted.length === 0) return false;
        const facts: AttemptFacts = {
          attempts: delivery.attempts,
          maxAttempts: delivery.max_attempts,
          eventType: delivery.event_type,
          endpointActive: endpoint.active,
          consecutiveFailures: endpoint.consecutive_failures,
        };
        const outcome = decide(facts);
        // Unlocked means a success on an endpoint read with no failure run: resetting a run of 0
        // is nothing to write.
        await applyAttemptOutcome(em, attempt, owner.endpoint_id, locked ? outcome : { ...outcome, endpoint: { kind: "unchanged" } });
        return true;
      });
    },
  };
}
