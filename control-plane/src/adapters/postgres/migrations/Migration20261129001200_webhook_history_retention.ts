/**
 * Webhook history is kept for JOBPLANE_WEBHOOK_RETENTION_DAYS: the pruner
 * (pg-webhook-history.ts) deletes settled deliveries (delivered or failed)
 * whose last change is older, with their attempts (cascade). This index
 * serves its `status <> 'pending' and updated_at < cutoff` scan without
 * touching pending work.
 */
import { Migration } from "@mikro-orm/migrations";

const STATEMENTS = [
  `create index webhook_deliveries_settled_idx on webhook_deliveries (updated_at) where status <> 'pending'`,
];

export class Migration20261129001200_webhook_history_retention extends Migration {
  override name = "Migration20261129001200_webhook_history_retention";

  override up(): void {
    for (const statement of STATEMENTS) this.addSql(statement);
  }

  override down(): void {
    throw new Error("migrations are forward-only: restore a backup or write a new migration");
  }
}
