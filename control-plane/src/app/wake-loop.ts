/**
 * A background pass run when woken (NOTIFY, an after-commit nudge), every
 * `intervalMs` as a fallback, and again at once while it reports more work.
 * Wake-ups during a pass fold into one more pass (coalescing-task.ts). A
 * failing pass (NATS down, Postgres down) is retried with backoff — 100 ms
 * doubling up to `maxRetryDelayMs` — and wake-ups before the retry is due do
 * not run it early, so an outage costs one attempt per backoff step, not one
 * per submitted job.
 *
 * States:
 *   stopped  —start()→ idle
 *   idle     —wake() | interval→ running
 *   running  —pass "more"→ running; "done"→ idle; throws | "failed"→ backing off
 *   backing off —retry timer→ running (wake() and interval do nothing until then)
 *   any      —stop()→ stopped: timers cleared, the current pass awaited
 * Invariant: at most one pass at a time; a wake() while idle or running is
 * always followed by a pass that starts after it (unless backing off, where
 * the retry is that pass).
 */
import { createCoalescingTask } from "./coalescing-task.js";

/** What a pass found: nothing more to do, possibly more (run again now), or a failure (back off). */
export type PassOutcome = "done" | "more" | "failed";

export interface WakeLoopOptions {
  readonly pass: () => Promise<PassOutcome>;
  readonly intervalMs: number;
  /** Cap of the retry backoff after failures (default 5000 ms). */
  readonly maxRetryDelayMs?: number;
  /** A pass that threw. */
  readonly onError: (err: unknown) => void;
}

export interface WakeLoop {
  start(): void;
  /** Asks for a pass soon; returns at once. */
  wake(): void;
  /** Resolves when no pass is running or pending (tests). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

const FIRST_RETRY_DELAY_MS = 100;

export function createWakeLoop(options: WakeLoopOptions): WakeLoop {
  const maxRetry = options.maxRetryDelayMs ?? 5000;
  let interval: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let started = false;

  const task = createCoalescingTask(async () => {
    let outcome: PassOutcome;
    try {
      outcome = await options.pass();
    } catch (err) {
      options.onError(err);
      outcome = "failed";
    }
    if (outcome === "failed") {
      failures += 1;
      const delay = Math.min(FIRST_RETRY_DELAY_MS * 2 ** (failures - 1), maxRetry);
      if (started && !retryTimer) {
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          task.request();
        }, delay);
      }
      return;
    }
    failures = 0;
    if (outcome === "more") task.request();
  }, options.onError);

  const wake = (): void => {
    if (started && !retryTimer) task.request();
  };

  return {
    start() {
      if (started) return;
      started = true;
      interval = setInterval(wake, options.intervalMs);
      task.request();
    },
    wake,
    settled: () => task.settled(),
    async stop() {
      started = false;
      if (interval) clearInterval(interval);
      if (retryTimer) clearTimeout(retryTimer);
      interval = undefined;
      retryTimer = undefined;
      await task.stop();
    },
  };
}
