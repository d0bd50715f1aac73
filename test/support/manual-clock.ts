/**
 * A manual clock for unit tests of timer-driven logic: `schedule` registers a
 * timer, and timers run only when the test calls `advance`, in due order —
 * so a test moves time instead of sleeping.
 */
export interface ManualClock {
  now(): number;
  /** Runs `fn` once `ms` have passed; returns a cancel function. */
  schedule(fn: () => void, ms: number): () => void;
  /** Moves time forward, running each timer that falls due, in order. */
  advance(ms: number): void;
  /** Timers not yet run or cancelled. */
  readonly pending: number;
}

export function manualClock(start = 0): ManualClock {
  let t = start;
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  return {
    now: () => t,
    schedule(fn, ms) {
      const timer = { at: t + ms, fn, cancelled: false };
      timers.push(timer);
      return () => void (timer.cancelled = true);
    },
    advance(ms) {
      const end = t + ms;
      for (;;) {
        const due = timers.filter((x) => !x.cancelled && x.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        t = due.at;
        due.cancelled = true;
        due.fn();
      }
      t = end;
    },
    get pending() {
      return timers.filter((x) => !x.cancelled).length;
    },
  };
}
