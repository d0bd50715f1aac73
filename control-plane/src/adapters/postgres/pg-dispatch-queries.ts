/**
 * The dispatcher's queries (DispatchStore on PostgreSQL). A pass is one
 * transaction holding pg_try_advisory_xact_lock(DISPATCHER_LOCK_KEY), so at
 * most one pass runs across all instances and the lock is released by COMMIT
 * (or by the server when the connection dies: no stale leader).
 *
 * pickWaiting — one statement, three steps:
 *   1. the orgs with waiting jobs: a loose index scan of jobs_waiting_idx
 *      (one probe per org, not one row per waiting job: 10,000 waiting jobs of
 *      one org cost one probe);
 *   2. each org's free slots: plan.max_concurrent_jobs − its DISPATCHED +
 *      RUNNING jobs (jobs_active_org_idx); suspended orgs get none;
 *   3. each org's best `free` jobs by (priority desc, created_at) from
 *      jobs_waiting_idx, numbered 1, 2, … = the round they go out in; the
 *      result is ordered by round, then by the job's own rank, so the batch
 *      limit cuts whole rounds: every org's first job before any org's second.
 *
 * markDispatched — the state machine's `published` transition for many jobs
 * in one guarded UPDATE (each row: status = waiting AND attempt = its
 * attempt) plus one INSERT of their job.dispatched outbox rows; the same
 * columns and events JobStore.applyEvent writes for one job (planJobUpdate).
 * `published` moves no credits and asks for nothing after commit; a change to
 * the table that made it do so fails here loudly rather than silently skip it.
 */
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { DispatchStore, DispatchTx } from "../../app/dispatch-pass.js";
import type { DispatchCandidate } from "../../app/work-publisher.js";
import { newId } from "../../domain/ids.js";
import { transition } from "../../domain/job-state-machine.js";
import { statusName } from "../../domain/job-status.js";
import { jobFromRow, toJobSnapshot, type JobRowJson } from "./job-record.js";
import { planJobUpdate, type JobUpdatePlan } from "./job-update.js";
import type { Orm } from "./orm.js";

/** The advisory lock of the one dispatcher pass ("jobdis" in ASCII). */
export const DISPATCHER_LOCK_KEY = 0x6a6f62646973;

const PICK_WAITING = `
  with recursive waiting_orgs(org_id) as (
    (select org_id from jobs where status = 'waiting' order by org_id limit 1)
    union all
    select (select j.org_id from jobs j
             where j.status = 'waiting' and j.org_id > w.org_id
             order by j.org_id limit 1)
      from waiting_orgs w
     where w.org_id is not null
  ),
  capacity as (
    select o.id as org_id,
           p.max_concurrent_jobs
             - (select count(*) from jobs a where a.org_id = o.id and a.status in ('dispatched', 'running')) as free
      from waiting_orgs w
      join orgs o on o.id = w.org_id
      join plans p on p.name = o.plan
     where w.org_id is not null and not o.suspended
  )
  select t.id, t.org_id, t.type, t.attempt, t.priority
    from capacity c
   cross join lateral (
     select best.*, row_number() over (order by best.priority desc, best.created_at) as round
       from (select j.id, j.org_id, j.type, j.attempt, j.priority, j.created_at
               from jobs j
              where j.org_id = c.org_id and j.status = 'waiting'
              order by j.priority desc, j.created_at
              limit greatest(c.free, 0)) best
   ) t
   where c.free > 0
   order by t.round, t.priority desc, t.created_at, t.id
   limit ?`;

interface CandidateRow {
  readonly id: string;
  readonly org_id: string;
  readonly type: string;
  readonly attempt: number;
  readonly priority: number;
}

function publishedPlan(): JobUpdatePlan {
  const event = { kind: "published" } as const;
  const decided = transition(JobStatus.WAITING, event);
  if (!decided.ok) throw new Error(`the state machine refuses WAITING → published: ${decided.reason}`);
  const plan = planJobUpdate(event, decided.next, decided.effects);
  if (plan.hold || plan.capture || plan.release || plan.afterCommit.length > 0) {
    throw new Error("WAITING → published now moves credits or has after-commit effects: batch marking must handle them");
  }
  return plan;
}

async function markDispatched(em: EntityManager, jobs: readonly DispatchCandidate[]): Promise<string[]> {
  const plan = publishedPlan();
  const keys = JSON.stringify(jobs.map((j) => ({ v_id: j.jobId, v_attempt: j.attempt })));
  const rows = await em.execute<{ job: JobRowJson }[]>(
    `update jobs set ${plan.sets.map((s) => s.sql).join(", ")}
       from jsonb_to_recordset(?::jsonb) as v(v_id text, v_attempt integer)
      where jobs.id = v.v_id and jobs.status = ? and jobs.attempt = v.v_attempt
      returning to_jsonb(jobs) as job`,
    [...plan.sets.flatMap((s) => s.params), keys, statusName(JobStatus.WAITING)],
  );
  if (rows.length === 0 || plan.events.length === 0) return rows.map((r) => r.job.id);
  const events = rows.flatMap(({ job: row }) => {
    const job = jobFromRow(row);
    const payload = toJobSnapshot(job);
    return plan.events.map((type) => ({
      event_id: newId("evt"),
      org_id: job.orgId,
      job_id: job.id,
      attempt: job.attempt,
      type,
      status: statusName(job.status),
      payload,
    }));
  });
  await em.execute(
    `insert into job_events (event_id, org_id, job_id, attempt, type, status, payload)
     select event_id, org_id, job_id, attempt, type, status, payload
       from jsonb_to_recordset(?::jsonb)
         as r(event_id text, org_id text, job_id text, attempt integer, type text, status text, payload jsonb)`,
    [JSON.stringify(events)],
    "run",
  );
  return rows.map((r) => r.job.id);
}

function dispatchTx(em: EntityManager): DispatchTx {
  return {
    async pickWaiting(limit) {
      const rows = await em.execute<CandidateRow[]>(PICK_WAITING, [limit]);
      return rows.map((r) => ({
        jobId: r.id,
        orgId: r.org_id,
        type: r.type,
        attempt: Number(r.attempt),
        priority: Number(r.priority),
      }));
    },
    markDispatched: (jobs) => markDispatched(em, jobs),
  };
}

/** The DispatchStore on this ORM's database. */
export function createPgDispatchStore(orm: Orm): DispatchStore {
  return {
    async exclusive(fn) {
      const outcome = await orm.em.fork().transactional(async (em) => {
        const [lock] = await em.execute<{ locked: boolean }[]>("select pg_try_advisory_xact_lock(?) as locked", [
          DISPATCHER_LOCK_KEY,
        ]);
        if (!lock?.locked) return undefined;
        return { value: await fn(dispatchTx(em)) };
      });
      return outcome?.value;
    },
  };
}

/** Every job type's name: each needs a dispatch consumer. */
export async function listJobTypeNames(orm: Orm): Promise<string[]> {
  const rows = await orm.em.fork().execute<{ name: string }[]>("select name from job_types order by name");
  return rows.map((r) => r.name);
}
