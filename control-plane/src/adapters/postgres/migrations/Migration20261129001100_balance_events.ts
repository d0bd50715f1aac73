/**
 * An org's credits as events: balance.low and balance.depleted go through the
 * same outbox as job events (job_events → sequencer → relay → JOBPLANE_EVENTS),
 * so webhooks, Watch streams and outside subscribers get them in the one
 * gap-free timeline. Such a row belongs to an org, not a job: job_id, attempt
 * and status are null on balance.* rows and required on every other row
 * (job_events_job_fields_check), so no job event can lose its job.
 *
 * orgs.low_balance_credits is the per-org threshold balance.low fires below
 * (domain/balance-alerts.ts); 100 credits by default, 0 turns balance.low off
 * (balance.depleted still fires).
 */
import { Migration } from "@mikro-orm/migrations";

const STATEMENTS = [
  `alter table job_events alter column job_id drop not null`,
  `alter table job_events alter column attempt drop not null`,
  `alter table job_events alter column status drop not null`,
  `alter table job_events add constraint job_events_job_fields_check check (
     case when starts_with(type, 'balance.') then job_id is null and attempt is null and status is null
          else job_id is not null and attempt is not null and status is not null end)`,
  `alter table orgs add column low_balance_credits bigint not null default 100
     constraint orgs_low_balance_credits_check check (low_balance_credits >= 0)`,
];

export class Migration20261129001100_balance_events extends Migration {
  override name = "Migration20261129001100_balance_events";

  override up(): void {
    for (const statement of STATEMENTS) this.addSql(statement);
  }

  override down(): void {
    throw new Error("migrations are forward-only: restore a backup or write a new migration");
  }
}
