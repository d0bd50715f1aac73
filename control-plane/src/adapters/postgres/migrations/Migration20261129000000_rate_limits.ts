/**
 * Per-API-key rate limit state for GCRA (domain/rate-limit.ts): one row per
 * key that has made a call, holding its theoretical arrival time. The limiter
 * upserts it in one statement per request, so every control-plane instance
 * sharing this database shares the limit. Rows go with their key (cascade);
 * a row whose TAT is in the past means the same as no row, so nothing needs
 * sweeping.
 */
import { Migration } from "@mikro-orm/migrations";

export class Migration20261129000000_rate_limits extends Migration {
  override name = "Migration20261129000000_rate_limits";

  override up(): void {
    this.addSql(`create table rate_limits (
      key_id text primary key constraint rate_limits_key_id_foreign references api_keys (id) on delete cascade,
      tat timestamptz not null
    )`);
  }

  override down(): void {
    throw new Error("migrations are forward-only: restore a backup or write a new migration");
  }
}
