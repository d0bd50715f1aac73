/**
 * One row of the outbox: a user-visible event with a snapshot of the job.
 * Inserted in the transaction that changed the job; `sequence` is assigned
 * later by the single sequencer and `publishedAt` once JetStream acked it.
 * A balance.* row is the org's (its payload a BalanceSnapshot): jobId,
 * attempt and status are null there and required on every other row
 * (migration 20261129001100).
 */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { Job, STATUS_CHECK, type StoredJobStatus } from "./job.js";
import { Org } from "./org.js";

/** Balance rows have no job; every other row has its job, attempt and status. */
const JOB_FIELDS_CHECK =
  "case when starts_with(type, 'balance.') then job_id is null and attempt is null and status is null " +
  "else job_id is not null and attempt is not null and status is not null end";

export const JobEvent = defineEntity({
  name: "JobEvent",
  tableName: "job_events",
  properties: {
    id: p.bigint("string").primary().autoincrement(),
    eventId: p.text().unique().check("starts_with(event_id, 'evt_')"),
    orgId: () => p.manyToOne(Org).mapToPk().joinColumn("org_id"),
    jobId: () => p.manyToOne(Job).mapToPk().joinColumn("job_id").nullable().deleteRule("no action"),
    attempt: p.integer().nullable().check("attempt >= 1"),
    type: p.text(),
    status: p.text().$type<StoredJobStatus>().nullable().check(STATUS_CHECK),
    payload: p.json<Record<string, unknown>>(),
    occurredAt: p.datetime().defaultRaw("now()"),
    sequence: p.bigint("string").nullable().unique(),
    publishedAt: p.datetime().nullable(),
  },
  checks: [{ name: "job_events_job_fields_check", expression: JOB_FIELDS_CHECK }],
  indexes: [
    { name: "job_events_org_sequence_idx", expression: "create index job_events_org_sequence_idx on job_events (org_id, sequence)" },
    { name: "job_events_job_sequence_idx", expression: "create index job_events_job_sequence_idx on job_events (job_id, sequence)" },
    {
      name: "job_events_unsequenced_idx",
      expression: "create index job_events_unsequenced_idx on job_events (id) where sequence is null",
    },
    {
      name: "job_events_unpublished_idx",
      expression:
        "create index job_events_unpublished_idx on job_events (sequence) where published_at is null and sequence is not null",
    },
  ],
});

export type JobEvent = InferEntity<typeof JobEvent>;
