/**
 * Gap-free event sequences, part 1: tell the sequencer that outbox rows
 * arrived. Every statement that inserts into job_events fires one NOTIFY on
 * `jobplane_events`; PostgreSQL delivers it when the inserting transaction
 * commits (never for a rollback) and folds identical notifications of one
 * transaction into one, so a transition that writes two events wakes the
 * sequencer once. The payload is empty on purpose: the sequencer re-reads the
 * unsequenced rows itself, so a notification is a hint, never the data.
 *
 * There is deliberately no SEQUENCE object for job_events.sequence: nextval()
 * is not transactional, so a sequencer pass that rolled back (connection lost,
 * instance killed before COMMIT) would burn numbers and leave a permanent
 * hole. The sequencer (event-sequencer.ts) numbers rows max(sequence) + 1 …
 * under an advisory lock instead, which rolls back with its transaction.
 */
import { Migration } from "@mikro-orm/migrations";

const STATEMENTS = [
  `create function jobplane_notify_job_events() returns trigger
     language plpgsql as $$
   begin
     perform pg_notify('jobplane_events', '');
     return null;
   end
   $$`,
  `create trigger job_events_notify_inserted
     after insert on job_events
     for each statement
     execute function jobplane_notify_job_events()`,
];

export class Migration20261129000200_event_sequencing extends Migration {
  override name = "Migration20261129000200_event_sequencing";

  override up(): void {
    for (const statement of STATEMENTS) this.addSql(statement);
  }

  override down(): void {
    throw new Error("migrations are forward-only: restore a backup or write a new migration");
  }
}
