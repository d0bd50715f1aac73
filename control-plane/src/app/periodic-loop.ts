/**
 * Runs a background pass every `intervalMs` on every instance (the sweeper,
 * webhook history pruning); a pass that only one instance should do takes a
 * leader lock inside itself, making the others' passes no-ops. States:
 * waiting —timer→ running —pass settles→ waiting; any —stop()→ stopped
 * (resolves once a pass in flight has settled). A failed pass is reported to
 * onError and the loop goes on: the next interval is the retry.
 */
import type { Clock } from "./clock.js";

export interface PeriodicLoop {
  stop(): Promise<void>;
}

export interface PeriodicLoopOptions<T> {
  /** One pass, at the clock's time. */
  readonly pass: (now: Date) => Promise<T>;
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly onPass?: (result: T) => void;
  readonly onError?: (err: unknown) => void;
}

export function startPeriodicLoop<T>(options: PeriodicLoopOptions<T>): PeriodicLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = options
        .pass(options.clock())
        .then((result) => options.onPass?.(result))
        .catch((err: unknown) => options.onError?.(err))
        .finally(() => {
          inFlight = undefined;
          schedule();
        });
    }, options.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
