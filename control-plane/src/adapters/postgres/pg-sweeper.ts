/**
 * SweepStore on PostgreSQL.
 *
 * Leadership: the pass runs inside a transaction that took
 * pg_try_advisory_xact_lock(SWEEPER_LOCK_KEY); an instance that cannot take
 * it skips the pass. The lock lives as long as that transaction (one pooled
 * connection, idle while the pass's guarded updates run on others) and is
 * released by COMMIT, or by PostgreSQL when the instance dies — no lease to
 * expire, no stale leader. The lock only saves duplicate work: every
 * timeout is a guarded transition, correct under any overlap.
 *
 * Finding overdue jobs uses the partial indexes of the initial migration
 * (jobs_running_deadline_idx, jobs_dispatched_at_idx); the heartbeat check
 * joins the running jobs to their agents.
 */
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import type { OverdueJob, OverdueReason, SweepStore } from "../../app/sweep.js";
import type { Orm } from "./orm.js";

/** The advisory lock of the one sweeper ("jobswp" in ASCII). */
export const SWEEPER_LOCK_KEY = 0x6a6f62737770;

interface OverdueRow {
  readonly id: string;
  readonly attempt: number;
  readonly status: "running" | "dispatched";
  readonly reason: OverdueReason;
  readonly agent_id: string | null;
  readonly since: string | null;
  readonly queue_ttl_seconds: number;
}

const FIND_OVERDUE = `
  (select j.id, j.attempt, j.status, 'deadline' as reason, j.agent_id,
          to_jsonb(j.deadline_at) #>> '{}' as since, 0 as queue_ttl_seconds
     from jobs j
    where j.status = 'running' and j.deadline_at < ?::timestamptz
    order by j.deadline_at
    limit ?)
  union all
  (select j.id, j.attempt, j.status, 'heartbeat', j.agent_id,
          to_jsonb(a.last_heartbeat_at) #>> '{}', 0
     from jobs j join agents a on a.id = j.agent_id
    where j.status = 'running' and coalesce(a.last_heartbeat_at, j.started_at) < ?::timestamptz
    limit ?)
  union all
  (select j.id, j.attempt, j.status, 'queue_ttl', j.agent_id,
          to_jsonb(j.dispatched_at) #>> '{}', t.queue_ttl_seconds
     from jobs j join job_types t on t.name = j.type
    where j.status = 'dispatched' and j.dispatched_at + make_interval(secs => t.queue_ttl_seconds) < ?::timestamptz
    order by j.dispatched_at
    limit ?)`;

export function createPgSweepStore(orm: Orm): SweepStore {
  return {
    asLeader(pass) {
      return orm.em.fork().transactional(async (em) => {
        const [lock] = await em.execute<{ locked: boolean }[]>("select pg_try_advisory_xact_lock(?) as locked", [
          SWEEPER_LOCK_KEY,
        ]);
        if (!lock?.locked) return { ran: false as const };
        return { ran: true as const, value: await pass() };
      });
    },

    async findOverdue(now, heartbeatTimeoutMs, limit) {
      const at = now.toISOString();
      const staleBefore = new Date(now.getTime() - heartbeatTimeoutMs).toISOString();
      const rows = await orm.em
        .fork()
        .execute<OverdueRow[]>(FIND_OVERDUE, [at, limit, staleBefore, limit, at, limit]);
      return rows.slice(0, limit).map(
        (row): OverdueJob => ({
          jobId: row.id,
          attempt: row.attempt,
          status: row.status === "running" ? JobStatus.RUNNING : JobStatus.DISPATCHED,
          reason: row.reason,
          agentId: row.agent_id,
          since: row.since === null ? null : new Date(row.since),
          queueTtlSeconds: row.queue_ttl_seconds,
        }),
      );
    },
  };
}
