/**
 * WebhookDeliveryStore on PostgreSQL: an endpoint's delivery history (each
 * delivery with its attempt log, aggregated in the same query), redelivery
 * and test deliveries. Pages are keyset ranges over
 * webhook_deliveries_listing_idx (endpoint_id, created_at desc, id desc).
 */
import type { ListedDelivery, WebhookDeliveryRecord, WebhookDeliveryStore } from "../../app/webhook-store.js";
import type { Orm } from "./orm.js";
import { DELIVERY_JSON, deliveryFromRow, EXACT_CREATED_AT, type DeliveryRowJson } from "./webhook-rows.js";

/**
 * A random delivery id made by the database, in the format of domain/ids.ts
 * (whd_ + 24 hex): the enqueue statement does not know in advance how many
 * rows it inserts, so it cannot take ids from the caller.
 */
export const SQL_DELIVERY_ID = `'whd_' || left(md5(gen_random_uuid()::text), 24)`;

export function createPgWebhookDeliveryStore(orm: Orm): WebhookDeliveryStore {
  /** The delivery `id` with its attempt log. */
  async function read(id: string): Promise<WebhookDeliveryRecord | undefined> {
    const [row] = await orm.em
      .fork()
      .execute<{ d: DeliveryRowJson }[]>(`select ${DELIVERY_JSON} as d from webhook_deliveries d where d.id = ?`, [id]);
    return row === undefined ? undefined : deliveryFromRow(row.d);
  }

  return {
    async list(endpointId, after, limit): Promise<ListedDelivery[]> {
      const keyset = after === undefined ? "" : "and (d.created_at, d.id) < (?::timestamptz, ?)";
      const rows = await orm.em.fork().execute<{ d: DeliveryRowJson; created_key: string }[]>(
        `select ${DELIVERY_JSON} as d, ${EXACT_CREATED_AT("d")} as created_key
           from webhook_deliveries d
          where d.endpoint_id = ? ${keyset}
          order by d.created_at desc, d.id desc
          limit ?`,
        [endpointId, ...(after === undefined ? [] : [after.createdAt, after.id]), limit],
      );
      return rows.map((r) => ({ delivery: deliveryFromRow(r.d), key: { createdAt: r.created_key, id: r.d.id } }));
    },

    async redeliver(orgId, deliveryId) {
      // One more attempt at least: a failed delivery has used its budget.
      // A lease in progress is dropped: the next claim counts a new attempt,
      // and the old holder's report is then stale and ignored.
      const rows = await orm.em.fork().execute<{ id: string }[]>(
        `update webhook_deliveries d
            set status = 'pending', next_at = now(), max_attempts = greatest(d.max_attempts, d.attempts + 1), updated_at = now()
           from webhook_endpoints e
          where d.id = ? and e.id = d.endpoint_id and e.org_id = ?
          returning d.id`,
        [deliveryId, orgId],
      );
      return rows.length === 0 ? undefined : read(deliveryId);
    },

    async insert(orgId, delivery) {
      // Through the endpoint row: nothing is inserted for another org's (or a deleted) endpoint.
      const rows = await orm.em.fork().execute<{ id: string }[]>(
        `insert into webhook_deliveries (id, endpoint_id, event_id, event_type, payload, status, next_at, max_attempts)
         select ${SQL_DELIVERY_ID}, e.id, ?, ?, ?, 'pending', now(), ?
           from webhook_endpoints e
          where e.id = ? and e.org_id = ?
         returning id`,
        [delivery.eventId, delivery.eventType, delivery.payload, delivery.maxAttempts, delivery.endpointId, orgId],
      );
      const [inserted] = rows;
      return inserted === undefined ? undefined : read(inserted.id);
    },
  };
}
