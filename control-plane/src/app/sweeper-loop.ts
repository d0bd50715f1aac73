/**
 * Runs the sweeper every `intervalMs` on every instance; the store's leader
 * lock makes all but one pass a no-op. States: waiting —timer→ sweeping
 * —pass settles→ waiting; any —stop()→ stopped (resolves once a pass in
 * flight has settled). A failed pass is logged and the loop goes on.
 */
import type { Clock } from "./clock.js";
import type { SweepResult, Sweeper } from "./sweep.js";

export interface SweeperLoop {
  stop(): Promise<void>;
}

export interface SweeperLoopOptions {
  readonly sweeper: Sweeper;
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly onPass?: (result: SweepResult) => void;
  readonly onError?: (err: unknown) => void;
}

export function startSweeperLoop(options: SweeperLoopOptions): SweeperLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = options.sweeper
        .sweepOnce(options.clock())
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
