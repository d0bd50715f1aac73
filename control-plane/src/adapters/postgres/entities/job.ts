/**
 * A job. `status` is the lowercase JobStatus name; the state machine decides
 * its changes and the stores persist them with one guarded UPDATE. Indexes and
 * CHECKs are the initial migration's (partial indexes are declared there).
 */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import type { JobStatusName } from "../../../domain/job-status.js";
import type { StoredError, StoredInput, StoredOutput, StoredProgress, StoredStep } from "../job-json.js";
import { Agent } from "./agent.js";
import { ApiKey } from "./api-key.js";
import { JobType } from "./job-type.js";
import { Org } from "./org.js";

/** Every status a stored job can have (never "unspecified"). */
export type StoredJobStatus = Exclude<JobStatusName, "unspecified">;

/** The CHECK on every stored status column. */
export const STATUS_CHECK = "status in ('waiting', 'dispatched', 'running', 'complete', 'failed', 'cancelled')";

export const Job = defineEntity({
  name: "Job",
  tableName: "jobs",
  properties: {
    id: p.text().primary(),
    orgId: () => p.manyToOne(Org).mapToPk().joinColumn("org_id"),
    type: () => p.manyToOne(JobType).mapToPk().joinColumn("type"),
    status: p.text().$type<StoredJobStatus>().check(STATUS_CHECK),
    attempt: p.integer().default(1).check("attempt >= 1"),
    priority: p.integer().default(0),
    params: p.json<Record<string, unknown>>().defaultRaw("'{}'"),
    inputs: p.json<StoredInput[]>().defaultRaw("'[]'"),
    progress: p.json<StoredProgress>().nullable(),
    steps: p.json<StoredStep[]>().defaultRaw("'[]'"),
    error: p.json<StoredError>().nullable(),
    output: p.json<StoredOutput>().nullable(),
    estimatedCredits: p.bigint("number").defaultRaw("0").check("estimated_credits >= 0"),
    actualCredits: p.bigint("number").nullable().check("actual_credits >= 0"),
    heldCredits: p.bigint("number").defaultRaw("0").check("held_credits >= 0"),
    testMode: p.boolean().default(false),
    idempotencyKey: p.text().nullable(),
    apiKeyId: () => p.manyToOne(ApiKey).mapToPk().joinColumn("api_key_id").nullable().deleteRule("no action"),
    agentId: () => p.manyToOne(Agent).mapToPk().joinColumn("agent_id").nullable().deleteRule("no action"),
    cancelRequested: p.boolean().default(false),
    deadlineAt: p.datetime().nullable(),
    version: p.integer().default(1),
    createdAt: p.datetime().defaultRaw("now()"),
    dispatchedAt: p.datetime().nullable(),
    startedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
    updatedAt: p.datetime().defaultRaw("now()"),
  },
  checks: [
    {
      name: "jobs_terminal_holds_nothing",
      expression: "status <> all (array['complete', 'failed', 'cancelled']) or held_credits = 0",
    },
  ],
  // Raw so that sort order and partial predicates are exact; matched by name.
  indexes: [
    {
      name: "jobs_waiting_idx",
      expression: "create index jobs_waiting_idx on jobs (org_id, priority desc, created_at) where status = 'waiting'",
    },
    {
      name: "jobs_running_deadline_idx",
      expression: "create index jobs_running_deadline_idx on jobs (deadline_at) where status = 'running'",
    },
    {
      name: "jobs_dispatched_at_idx",
      expression: "create index jobs_dispatched_at_idx on jobs (dispatched_at) where status = 'dispatched'",
    },
    {
      name: "jobs_active_org_idx",
      expression: "create index jobs_active_org_idx on jobs (org_id) where status in ('dispatched', 'running')",
    },
    {
      name: "jobs_org_listing_idx",
      expression: "create index jobs_org_listing_idx on jobs (org_id, created_at desc, id desc)",
    },
  ],
  // NOTIFY jobplane_dispatch (Migration20261129000500_dispatch_notify), declared
  // so the schema diff knows them; raw DDL is matched by name, not compared.
  triggers: [
    {
      name: "jobs_notify_dispatch_inserted",
      timing: "after",
      events: ["insert"],
      forEach: "statement",
      expression:
        "create trigger jobs_notify_dispatch_inserted after insert on jobs for each statement execute function jobplane_notify_dispatch()",
    },
    {
      name: "jobs_notify_dispatch_status",
      timing: "after",
      events: ["update"],
      forEach: "row",
      expression:
        "create trigger jobs_notify_dispatch_status after update of status on jobs for each row " +
        "when (old.status is distinct from new.status and (new.status = 'waiting' or " +
        "(old.status in ('dispatched', 'running') and new.status not in ('dispatched', 'running')))) " +
        "execute function jobplane_notify_dispatch()",
    },
  ],
  uniques: [
    {
      name: "jobs_org_idempotency_key_uniq",
      expression:
        "create unique index jobs_org_idempotency_key_uniq on jobs (org_id, idempotency_key) where idempotency_key is not null",
    },
  ],
});

export type Job = InferEntity<typeof Job>;
