/**
 * Runs an async task on request, never two at once, folding a burst of
 * requests into one extra run. Both event loops (sequencer, feed reader) are
 * woken by NOTIFY, a timer and reconnects, often all at once; the work they do
 * ("catch up with the table") is idempotent, so N requests need at most two
 * runs: the one in progress, and one more that sees whatever arrived during it.
 *
 * States:
 *   idle     —request()→ running
 *   running  —request()→ running + rerun flag (any number of requests: one flag)
 *   running  —task settles, flag set→ running (flag cleared); flag clear→ idle
 *   any      —stop()→ stopped: no new runs; stop() resolves once the current run settles
 * Invariants: at most one run in flight; a request made while a run is in
 * flight is always followed by a run that starts after it (nothing is lost).
 */

export interface CoalescingTask {
  /** Asks for a run; returns at once. Ignored once stopped. */
  request(): void;
  /** Resolves when no run is in flight and none is pending (for tests and shutdown). */
  settled(): Promise<void>;
  /** No more runs; resolves when the current one (if any) has settled. */
  stop(): Promise<void>;
}

export function createCoalescingTask(task: () => Promise<void>, onError: (err: unknown) => void): CoalescingTask {
  let inFlight: Promise<void> | undefined;
  let rerun = false;
  let stopped = false;

  async function loop(): Promise<void> {
    do {
      rerun = false;
      try {
        await task();
      } catch (err) {
        onError(err);
      }
    } while (rerun && !stopped);
    inFlight = undefined;
  }

  return {
    request() {
      if (stopped) return;
      if (inFlight) {
        rerun = true;
        return;
      }
      inFlight = loop();
    },
    async settled() {
      while (inFlight) await inFlight;
    },
    async stop() {
      stopped = true;
      while (inFlight) await inFlight;
    },
  };
}
