/**
 * The CreditSignals port: "this org's credits moved outside its event
 * timeline". Holds, captures and releases all come with a job event
 * (job.created, job.completed, …), which WatchBalance follows through the
 * EventFeed. A top-up has no job and writes no event: balance.low and
 * balance.depleted fire only when available credits fall across a line, and
 * a top-up raises them. A new event type just for top-ups would land in every
 * timeline, webhook endpoint and JetStream subject; a signal costs one NOTIFY
 * per top-up (an admin action) and nothing per job.
 */
export interface CreditSignals {
  /**
   * Calls `onSignal` whenever the org's credits may have moved without an
   * event — and after the signal source reconnects, when one may have been
   * lost. Returns the function that unsubscribes.
   */
  subscribe(orgId: string, onSignal: () => void): () => void;
}
