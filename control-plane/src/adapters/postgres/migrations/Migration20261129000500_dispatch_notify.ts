/**
 * Wakes the dispatchers: NOTIFY `jobplane_dispatch` when a job may have
 * become dispatchable — a job was inserted (WAITING), a job went back to
 * WAITING (retry, redrive), or a DISPATCHED/RUNNING job left those states (a
 * slot of its org's plan concurrency came free). PostgreSQL delivers it on
 * commit, to every control-plane instance listening, and folds a
 * transaction's identical notifications into one. The payload is empty: the
 * dispatcher re-reads the table; a notification is a hint, never the data.
 *
 * A trigger rather than calls in the code paths: submit, retry, redrive,
 * complete, fail, cancel and the sweeper all change these rows, on any
 * instance, and each would otherwise have to remember to nudge (a freed slot
 * that nobody announces waits for the interval pass: with a plan limit of 25
 * and a 1 s interval, that caps an org at 25 jobs/s).
 */
import { Migration } from "@mikro-orm/migrations";

const STATEMENTS = [
  `create function jobplane_notify_dispatch() returns trigger
     language plpgsql as $$
   begin
     perform pg_notify('jobplane_dispatch', '');
     return null;
   end
   $$`,
  `create trigger jobs_notify_dispatch_inserted
     after insert on jobs
     for each statement
     execute function jobplane_notify_dispatch()`,
  `create trigger jobs_notify_dispatch_status
     after update of status on jobs
     for each row
     when (old.status is distinct from new.status
           and (new.status = 'waiting'
                or (old.status in ('dispatched', 'running') and new.status not in ('dispatched', 'running'))))
     execute function jobplane_notify_dispatch()`,
];

export class Migration20261129000500_dispatch_notify extends Migration {
  override name = "Migration20261129000500_dispatch_notify";

  override up(): void {
    for (const statement of STATEMENTS) this.addSql(statement);
  }

  override down(): void {
    throw new Error("migrations are forward-only: restore a backup or write a new migration");
  }
}
