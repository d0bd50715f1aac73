/**
 * The agent's GET /healthz decision, pure: what the worker, the session and
 * the NATS connection report right now → a status code and a body.
 *
 *   200 {"status":"ok", agentId, slots, running}
 *       the worker is running, registered (it has an agent id), its session
 *       to the control plane is open and NATS is connected: it can take work.
 *   503 {"status":"draining"}
 *       from SIGTERM on (worker draining or stopped), whatever else holds, so
 *       an orchestrator stops counting on it while its jobs finish.
 *   503 {"status":"unavailable", reason}
 *       starting, or running but cut off: the session is down (the worker
 *       cannot claim or report) and/or NATS is disconnected (it cannot fetch).
 *       Both clients reconnect on their own; the reason names what is down.
 * `running` counts the attempts the agent holds — the ones its heartbeats
 * list — from the accepted claim until the control plane acknowledges the
 * result.
 */
import type { WorkerState } from "../worker.js";

export interface AgentHealthInputs {
  readonly worker: WorkerState;
  /** From the session's Register reply; undefined until the agent has registered. */
  readonly agentId: string | undefined;
  readonly sessionConnected: boolean;
  readonly natsConnected: boolean;
  readonly slots: number;
  readonly running: number;
}

export type AgentHealthBody =
  | { readonly status: "ok"; readonly agentId: string; readonly slots: number; readonly running: number }
  | { readonly status: "draining" }
  | { readonly status: "unavailable"; readonly reason: string };

export interface AgentHealth {
  readonly httpStatus: 200 | 503;
  readonly body: AgentHealthBody;
}

/** What each worker state means for health before the connections are looked at. */
const BY_WORKER_STATE = {
  starting: "starting",
  running: "serving",
  draining: "draining",
  stopped: "draining",
} as const satisfies Record<WorkerState, "starting" | "serving" | "draining">;

export function decideHealth(inputs: AgentHealthInputs): AgentHealth {
  const phase = BY_WORKER_STATE[inputs.worker];
  if (phase === "draining") return { httpStatus: 503, body: { status: "draining" } };
  const down: string[] = [];
  if (phase === "starting") down.push("the worker is starting");
  if (inputs.agentId === undefined) down.push("not registered with the control plane");
  else if (!inputs.sessionConnected) down.push("the session to the control plane is down");
  if (!inputs.natsConnected) down.push("NATS is disconnected");
  if (down.length > 0 || inputs.agentId === undefined) {
    return { httpStatus: 503, body: { status: "unavailable", reason: down.join("; ") } };
  }
  return { httpStatus: 200, body: { status: "ok", agentId: inputs.agentId, slots: inputs.slots, running: inputs.running } };
}
