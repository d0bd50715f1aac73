/**
 * JobStore on PostgreSQL. Each method is one transaction on its own fork.
 *
 * A transition is persisted by one guarded statement:
 *
 *   with prev as (select id, held_credits from jobs
 *                 where id = ? and status = ? and attempt = ? for update)
 *   update jobs set … from prev where jobs.id = prev.id and status = ? and attempt = ?
 *
 * Zero rows means the job is not (any more) in the expected state: someone
 * else won, and the caller gets CONFLICT. The CTE exists only to return the
 * hold as it was before the update (RETURNING sees new values), which the
 * ledger needs and which the same statement zeroes — the table's CHECK says a
 * terminal job holds nothing, so the two must change together. The outbox
 * rows and the credit movements follow in the same transaction, as one more
 * statement, the last — because the org's account row it locks is shared by
 * all of the org's jobs and stays locked until COMMIT.
 */
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import type { EntityManager } from "@mikro-orm/postgresql";
import { conflict, DomainError, notFound } from "../../domain/domain-error.js";
import { newId, newJobId } from "../../domain/ids.js";
import { transition } from "../../domain/job-state-machine.js";
import { statusName } from "../../domain/job-status.js";
import type { PublishedEventType } from "../../domain/lifecycle-event.js";
import { holdCredits, settleHold, type SqlStatement } from "./credit-ops.js";
import type {
  ApplyEventContext,
  ApplyEventResult,
  ExpectedJobState,
  JobStore,
  SubmitJobInput,
  SubmitJobResult,
} from "./job-store.js";
import { jobFromRow, toJobSnapshot, type JobRecord, type JobRowJson } from "./job-record.js";
import { planJobUpdate } from "./job-update.js";
import { JOB_EVENT_JSON, jobEventFromRow, type JobEventRowJson } from "./job-event-rows.js";
import type { Orm } from "./orm.js";

/** The INSERT of one outbox row per type, each with a snapshot of `job` as it is now; undefined for none. */
function eventsInsert(job: JobRecord, types: readonly PublishedEventType[]): { statement: SqlStatement; ids: string[] } | undefined {
  if (types.length === 0) return undefined;
  const ids = types.map(() => newId("evt"));
  const payload = JSON.stringify(toJobSnapshot(job));
  const values = types.map(() => "(?, ?, ?, ?, ?, ?, ?::jsonb)").join(", ");
  return {
    ids,
    statement: {
      sql: `insert into job_events (event_id, org_id, job_id, attempt, type, status, payload) values ${values}`,
      params: types.flatMap((type, i) => [ids[i], job.orgId, job.id, job.attempt, type, statusName(job.status), payload]),
    },
  };
}

async function findJob(em: EntityManager, jobId: string): Promise<JobRecord | undefined> {
  const [row] = await em.execute<{ job: JobRowJson }[]>("select to_jsonb(j) as job from jobs j where j.id = ?", [
    jobId,
  ]);
  return row && jobFromRow(row.job);
}

async function submit(em: EntityManager, input: SubmitJobInput): Promise<SubmitJobResult> {
  const decided = transition(JobStatus.UNSPECIFIED, { kind: "submitted" });
  if (!decided.ok) throw new DomainError(decided.code, decided.reason);
  const plan = planJobUpdate({ kind: "submitted" }, decided.next, decided.effects);
  const key = input.idempotencyKey ?? null;
  // Insert first: a repeat of the key stops here, before touching credits.
  // ON CONFLICT waits for a concurrent insert of the same key to commit or
  // roll back, so exactly one of any number of racing submits creates the job.
  const inserted = await em.execute<{ job: JobRowJson }[]>(
    `insert into jobs as j (id, org_id, type, status, priority, params, inputs, estimated_credits, held_credits,
                            test_mode, idempotency_key, api_key_id)
     values (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?)
     on conflict (org_id, idempotency_key) where idempotency_key is not null do nothing
     returning to_jsonb(j) as job`,
    [
      input.id ?? newJobId(),
      input.orgId,
      input.type,
      statusName(decided.next),
      input.priority ?? 0,
      JSON.stringify(input.params ?? {}),
      JSON.stringify(input.inputs ?? []),
      input.estimatedCredits,
      plan.hold ? input.estimatedCredits : 0,
      input.testMode ?? false,
      key,
      input.apiKeyId ?? null,
    ],
  );
  const [row] = inserted;
  if (row === undefined) {
    const [existing] = await em.execute<{ job: JobRowJson }[]>(
      "select to_jsonb(j) as job from jobs j where j.org_id = ? and j.idempotency_key = ?",
      [input.orgId, key],
    );
    if (existing === undefined) throw new Error(`idempotency key conflict without a job (org ${input.orgId})`);
    return { job: jobFromRow(existing.job), created: false, effects: [] };
  }
  const job = jobFromRow(row.job);
  // The outbox rows and the hold in one statement, last, so the org's account
  // row stays locked only until COMMIT (credit-ops.ts).
  const events = eventsInsert(job, plan.events);
  const ref = { orgId: job.orgId, jobId: job.id, attempt: job.attempt };
  await holdCredits(em, ref, plan.hold ? job.heldCredits : 0, events?.statement);
  return { job, created: true, effects: plan.afterCommit };
}

async function apply(
  em: EntityManager,
  jobId: string,
  expected: ExpectedJobState,
  event: Parameters<JobStore["applyEvent"]>[2],
  ctx: ApplyEventContext,
): Promise<ApplyEventResult> {
  const decided = transition(expected.status, event);
  if (!decided.ok) throw new DomainError(decided.code, `job ${jobId}: ${decided.reason}`);
  const plan = planJobUpdate(event, decided.next, decided.effects, ctx);
  const from = statusName(expected.status);
  // A claim's guard: the job's type is one the claimer serves (none: nothing matches).
  const served = expected.types;
  const typeGuard = served === undefined ? "" : served.length === 0 ? " and false" : " and type = any(array[?]::text[])";
  const types = served !== undefined && served.length > 0 ? [[...served]] : [];
  const rows = await em.execute<{ prev_held: string; job: JobRowJson }[]>(
    `with prev as (
       select id as prev_id, held_credits as prev_held from jobs
        where id = ? and status = ? and attempt = ?${typeGuard} for update
     )
     update jobs set ${plan.sets.map((s) => s.sql).join(", ")}
       from prev
      where jobs.id = prev.prev_id and jobs.status = ? and jobs.attempt = ?
     returning prev.prev_held, to_jsonb(jobs) as job`,
    [jobId, from, expected.attempt, ...types, ...plan.sets.flatMap((s) => s.params), from, expected.attempt],
  );
  const [row] = rows;
  if (row === undefined) {
    const current = await findJob(em, jobId);
    if (current === undefined) throw notFound(`job ${jobId}`);
    throw conflict(
      `job ${jobId} is ${statusName(current.status)} (attempt ${current.attempt}), ` +
        `not ${from} (attempt ${expected.attempt}): another change won`,
    );
  }
  const job = jobFromRow(row.job);
  const prevHeld = Number(row.prev_held);
  const ref = { orgId: job.orgId, jobId: job.id, attempt: job.attempt };
  // The outbox rows go with the first credit movement (one statement), and
  // credits come last, so the org's account row stays locked only until
  // COMMIT (credit-ops.ts). A transition moves credits at most once.
  const events = eventsInsert(job, plan.events);
  let alongside = events?.statement;
  const take = () => {
    const statement = alongside;
    alongside = undefined;
    return statement;
  };
  if (plan.capture) await settleHold(em, ref, prevHeld, job.actualCredits ?? 0, take());
  if (plan.release) await settleHold(em, ref, prevHeld, 0, take());
  if (plan.hold) await holdCredits(em, ref, job.heldCredits, take());
  if (alongside) await em.execute(alongside.sql, [...alongside.params], "run");
  return { job, effects: plan.afterCommit, eventIds: events?.ids ?? [] };
}

/** The JobStore on this ORM's database. */
export function createPgJobStore(orm: Orm): JobStore {
  return {
    submitJob: (input) => orm.em.fork().transactional((em) => submit(em, input)),
    applyEvent: (jobId, expected, event, ctx = {}) =>
      orm.em.fork().transactional((em) => apply(em, jobId, expected, event, ctx)),
    getJob: (jobId) => findJob(orm.em.fork(), jobId),
    async listJobEvents(jobId) {
      const rows = await orm.em
        .fork()
        .execute<{ e: JobEventRowJson }[]>(`select ${JOB_EVENT_JSON} from job_events e where e.job_id = ? order by e.id`, [jobId]);
      return rows.map(({ e }) => jobEventFromRow(e));
    },
  };
}
