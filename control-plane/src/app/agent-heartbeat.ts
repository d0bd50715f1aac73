/**
 * Heartbeat: the agent is alive (one UPDATE of its last_heartbeat_at covers
 * all its jobs), and here is what it runs. Each listed attempt that should
 * not run any more — cancelled, settled, superseded by a retry, gone, or not
 * this agent's — gets a CancelAttempt back. This repairs cancel pushes lost
 * while the agent was disconnected or between instances.
 */
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { statusName } from "../domain/job-status.js";
import type { AgentNotice } from "./agent-control.js";
import type { AgentStore, AttemptState } from "./agent-store.js";
import type { AttemptRef } from "./attempt-outcome.js";

/** Why each listed attempt must stop; attempts that may go on are left out. Pure. */
export function attemptsToStop(
  agentId: string,
  running: readonly AttemptRef[],
  states: readonly AttemptState[],
): AgentNotice[] {
  const byId = new Map(states.map((s) => [s.jobId, s]));
  const notices: AgentNotice[] = [];
  for (const ref of running) {
    const state = byId.get(ref.jobId);
    const reason =
      state === undefined
        ? "job not found"
        : state.attempt !== ref.attempt
          ? `job is on attempt ${state.attempt}`
          : state.status !== JobStatus.RUNNING
            ? `job is ${statusName(state.status)}`
            : state.agentId !== agentId
              ? "attempt runs on another agent"
              : state.cancelRequested
                ? "cancel requested"
                : undefined;
    if (reason !== undefined) notices.push({ jobId: ref.jobId, attempt: ref.attempt, reason });
  }
  return notices;
}

/** Records the heartbeat; returns the attempts the agent must abort. */
export async function heartbeat(
  agents: AgentStore,
  agentId: string,
  running: readonly AttemptRef[],
  now: Date,
): Promise<AgentNotice[]> {
  const [, states] = await Promise.all([
    agents.touch(agentId, now),
    running.length === 0 ? Promise.resolve([]) : agents.attemptStates([...new Set(running.map((r) => r.jobId))]),
  ]);
  return attemptsToStop(agentId, running, states);
}
