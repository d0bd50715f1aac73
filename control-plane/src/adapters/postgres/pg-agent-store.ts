/**
 * AgentStore on PostgreSQL: the agents table, plus a read of the jobs an
 * agent's heartbeat lists. Each call is one statement on its own fork.
 */
import { parseStatusName } from "../../domain/job-status.js";
import type { AgentRecord, AgentStore, AttemptState } from "../../app/agent-store.js";
import type { Orm } from "./orm.js";

interface AgentRow {
  readonly id: string;
  readonly name: string;
  readonly job_types: string[];
}

const toRecord = (row: AgentRow): AgentRecord => ({ id: row.id, name: row.name, jobTypes: row.job_types });

export function createPgAgentStore(orm: Orm): AgentStore {
  return {
    async findByTokenHash(tokenHash) {
      const [row] = await orm.em
        .fork()
        .execute<AgentRow[]>("select id, name, job_types from agents where token_hash = ?", [tokenHash]);
      return row && toRecord(row);
    },

    async register(agentId, registration, now) {
      const [row] = await orm.em.fork().execute<AgentRow[]>(
        `update agents
            set job_types = array[?]::text[], slots = ?, version = ?, labels = ?::jsonb, last_heartbeat_at = ?::timestamptz
          where id = ?
        returning id, name, job_types`,
        [
          [...registration.jobTypes],
          registration.slots,
          registration.version,
          JSON.stringify(registration.labels),
          now.toISOString(),
          agentId,
        ],
      );
      if (row === undefined) throw new Error(`agent ${agentId} vanished while registering`);
      return toRecord(row);
    },

    async touch(agentId, now) {
      await orm.em
        .fork()
        .execute("update agents set last_heartbeat_at = ?::timestamptz where id = ?", [now.toISOString(), agentId], "run");
    },

    async attemptStates(jobIds) {
      if (jobIds.length === 0) return [];
      const rows = await orm.em.fork().execute<
        { id: string; attempt: number; status: string; agent_id: string | null; cancel_requested: boolean }[]
      >("select id, attempt, status, agent_id, cancel_requested from jobs where id in (?)", [[...jobIds]]);
      return rows.flatMap((row): AttemptState[] => {
        const status = parseStatusName(row.status);
        if (status === undefined) return [];
        return [{ jobId: row.id, attempt: row.attempt, status, agentId: row.agent_id, cancelRequested: row.cancel_requested }];
      });
    },
  };
}
