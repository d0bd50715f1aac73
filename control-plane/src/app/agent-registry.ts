/**
 * This instance's open agent sessions, by agent id, and the one control-bus
 * subscription each agent with an open session needs. A notice for an agent
 * reaches every session of it held here (normally one: one agent process,
 * one session; two only for a moment while a reconnect overlaps the old
 * stream).
 *
 * Per agent id:
 *   absent  —open()→ subscribing (subscription requested; open() resolves when it is live)
 *   live    —open()→ live with one more session
 *   live    —last session closed→ absent (unsubscribed)
 * Invariant: an agent id has an entry exactly while some session of it is
 * open here; the entry's subscription is made once and ended once.
 */
import type { AgentControlBus, AgentNotice, Unsubscribe } from "./agent-control.js";

/** Where a session takes pushed notices (its outgoing stream). */
export type NoticeSink = (notice: AgentNotice) => void;

interface Entry {
  readonly sinks: Set<NoticeSink>;
  readonly subscribed: Promise<Unsubscribe>;
}

export interface AgentRegistry {
  /**
   * Registers a session of `agentId`; resolves once notices published for
   * the agent reach `sink`. The returned function closes the registration.
   */
  open(agentId: string, sink: NoticeSink): Promise<() => void>;
  /** Number of sessions of `agentId` open here. */
  sessionCount(agentId: string): number;
}

export function createAgentRegistry(bus: AgentControlBus, onError: (err: unknown) => void = () => {}): AgentRegistry {
  const entries = new Map<string, Entry>();

  function deliver(agentId: string, notice: AgentNotice): void {
    for (const sink of entries.get(agentId)?.sinks ?? []) sink(notice);
  }

  return {
    async open(agentId, sink) {
      let entry = entries.get(agentId);
      if (entry === undefined) {
        const subscribed = bus.subscribe(agentId, (notice) => deliver(agentId, notice));
        entry = { sinks: new Set(), subscribed };
        entries.set(agentId, entry);
      }
      const mine = entry;
      mine.sinks.add(sink);
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        mine.sinks.delete(sink);
        if (mine.sinks.size > 0 || entries.get(agentId) !== mine) return;
        entries.delete(agentId);
        mine.subscribed.then((unsubscribe) => unsubscribe(), onError);
      };
      try {
        await mine.subscribed;
      } catch (err) {
        close();
        throw err;
      }
      return close;
    },
    sessionCount: (agentId) => entries.get(agentId)?.sinks.size ?? 0,
  };
}
