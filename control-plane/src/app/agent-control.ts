/**
 * How one control-plane instance tells another "abort this attempt" for an
 * agent whose session it does not hold. The instance holding the agent's
 * session subscribes for that agent; any instance publishes. Delivery is
 * best-effort (at most once): a notice lost on the way is repaired by the
 * agent's next heartbeat, which lists its attempts and gets a CancelAttempt
 * for each one that was cancelled or moved on.
 */

/** Abort attempt `attempt` of job `jobId`. */
export interface AgentNotice {
  readonly jobId: string;
  readonly attempt: number;
  /** Why, in words: "cancel requested", "timed out". */
  readonly reason: string;
}

/** Ends a subscription; safe to call more than once. */
export type Unsubscribe = () => void;

export interface AgentControlBus {
  /** Sends `notice` to whichever instance holds `agentId`'s session (none: dropped). */
  publish(agentId: string, notice: AgentNotice): Promise<void>;
  /** Resolves once notices for `agentId` published from now on will reach `onNotice`. */
  subscribe(agentId: string, onNotice: (notice: AgentNotice) => void): Promise<Unsubscribe>;
}

/** Parses a notice from the wire; undefined when it is not one. */
export function parseAgentNotice(value: unknown): AgentNotice | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { jobId, attempt, reason } = value as Record<string, unknown>;
  if (typeof jobId !== "string" || jobId === "") return undefined;
  if (typeof attempt !== "number" || !Number.isInteger(attempt) || attempt < 1) return undefined;
  return { jobId, attempt, reason: typeof reason === "string" ? reason : "" };
}
