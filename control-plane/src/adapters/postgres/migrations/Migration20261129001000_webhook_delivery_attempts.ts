/**
 * What webhook delivery needs beyond the initial tables:
 *
 * - webhook_delivery_attempts: one row per reported POST (status, error,
 *   duration, the start of the answer), shown to the org as a delivery's
 *   attempt log. Keyed (delivery_id, attempt): a report repeated by a
 *   retrying gateway inserts nothing the second time, which is how the
 *   report is made idempotent. Deleted with its delivery.
 * - webhook_deliveries.max_attempts: the retry budget, per delivery so that
 *   RedeliverWebhook can grant one more attempt to a delivery that used its
 *   budget (greatest(max_attempts, attempts + 1)) without touching the others.
 * - webhook_deliveries.payload becomes text: it is the body POSTed and
 *   signed "byte for byte" (webhook_delivery_service.proto), and jsonb would
 *   re-order keys and drop whitespace. Existing rows keep jsonb's rendering.
 * - webhook_deliveries_listing_idx: ListWebhookDeliveries pages an
 *   endpoint's deliveries newest first on (created_at, id).
 *
 * The claim query (status = 'pending' and next_at <= now(), order by
 * next_at) is served by the initial webhook_deliveries_due_idx.
 */
import { Migration } from "@mikro-orm/migrations";

const STATEMENTS = [
  `create table webhook_delivery_attempts (
    delivery_id text not null constraint webhook_delivery_attempts_delivery_id_foreign references webhook_deliveries (id) on delete cascade,
    attempt integer not null check (attempt >= 1),
    attempted_at timestamptz not null default now(),
    status_code integer not null default 0 check (status_code >= 0),
    ok boolean not null,
    error text not null default '',
    duration_ms integer not null default 0 check (duration_ms >= 0),
    response_excerpt text not null default '',
    constraint webhook_delivery_attempts_pkey primary key (delivery_id, attempt)
  )`,
  `alter table webhook_deliveries add column max_attempts integer not null default 16 check (max_attempts >= 1)`,
  `alter table webhook_deliveries alter column payload type text using payload::text`,
  `create index webhook_deliveries_listing_idx on webhook_deliveries (endpoint_id, created_at desc, id desc)`,
];

export class Migration20261129001000_webhook_delivery_attempts extends Migration {
  override name = "Migration20261129001000_webhook_delivery_attempts";

  override up(): void {
    for (const statement of STATEMENTS) this.addSql(statement);
  }

  override down(): void {
    throw new Error("migrations are forward-only: restore a backup or write a new migration");
  }
}
