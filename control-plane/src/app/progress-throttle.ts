/**
 * Keeps at most one stored progress update per attempt per window, and never
 * loses the latest one for long. Pure: time is passed in.
 *
 * Per key (one attempt):
 *   absent             —offer()→ open window (store now)
 *   window, no pending —offer() before the window ends→ window + pending (drop the rest, keep the latest)
 *   window (+pending)  —offer() at or after the window's end→ new window (store this one; the pending is older, dropped)
 *   window + pending   —takeDue() at or after the window's end→ new window (store the pending one)
 *   any                —forget()→ absent
 * Invariant: between two stored updates of a key lie at least `windowMs`.
 *
 * There is no timer: the session calls takeDue() on every message it gets
 * from the agent, and an agent sends at least a heartbeat every
 * heartbeat_interval_ms (5 s by default). So the trailing update of a burst is
 * stored at most one heartbeat interval after its window ends — and tests
 * need no fake timers, only a clock.
 */

export type ThrottleDecision = "store" | "deferred";

interface State<T> {
  lastStoredAt: number;
  pending: T | undefined;
}

export class ProgressThrottle<T> {
  readonly #windowMs: number;
  readonly #states = new Map<string, State<T>>();

  constructor(windowMs: number) {
    if (!Number.isFinite(windowMs) || windowMs < 0) throw new RangeError(`throttle window must be ≥ 0 ms, got ${windowMs}`);
    this.#windowMs = windowMs;
  }

  /** "store": store `value` now. "deferred": kept as the key's latest, handed out by takeDue(). */
  offer(key: string, value: T, nowMs: number): ThrottleDecision {
    const state = this.#states.get(key);
    if (state === undefined || nowMs - state.lastStoredAt >= this.#windowMs) {
      this.#states.set(key, { lastStoredAt: nowMs, pending: undefined });
      return "store";
    }
    state.pending = value;
    return "deferred";
  }

  /** The deferred values whose window has ended, each starting a new window; store them. */
  takeDue(nowMs: number): [key: string, value: T][] {
    const due: [string, T][] = [];
    for (const [key, state] of this.#states) {
      if (state.pending !== undefined && nowMs - state.lastStoredAt >= this.#windowMs) {
        due.push([key, state.pending]);
        state.pending = undefined;
        state.lastStoredAt = nowMs;
      }
    }
    return due;
  }

  /** Drops the key (the attempt ended): a pending value is discarded. */
  forget(key: string): void {
    this.#states.delete(key);
  }

  /** Keys tracked right now. */
  keys(): string[] {
    return [...this.#states.keys()];
  }
}
