/**
 * WebhookHistoryStore on PostgreSQL: one short delete per batch over
 * webhook_deliveries_settled_idx; attempts go with their delivery (on delete
 * cascade). `skip locked` lets two instances prune at once without waiting
 * on each other, and never touches a row a report is settling right now.
 */
import type { WebhookHistoryStore } from "../../app/webhook-history.js";
import type { Orm } from "./orm.js";

export function createPgWebhookHistory(orm: Orm): WebhookHistoryStore {
  return {
    async deleteSettledBefore(cutoff, limit) {
      const rows = await orm.em.fork().execute<unknown[]>(
        `delete from webhook_deliveries
          where id in (select id from webhook_deliveries
                        where status <> 'pending' and updated_at < ?::timestamptz
                        order by updated_at
                        limit ?
                        for update skip locked)
          returning 1`,
        [cutoff.toISOString(), limit],
      );
      return rows.length;
    },
  };
}
