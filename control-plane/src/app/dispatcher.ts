/**
 * The dispatcher loop: runs dispatch passes (dispatch-pass.ts) when nudged,
 * when PostgreSQL notifies `jobplane_dispatch`, and every `intervalMs`.
 *
 * Every instance runs this loop; the pass's advisory lock lets one pass run
 * at a time across instances and the others skip. Skipping loses nothing
 * because every event that can make a job dispatchable — a job inserted or
 * put back to WAITING, a DISPATCHED/RUNNING job ending (a free slot) —
 * fires NOTIFY jobplane_dispatch from a trigger on commit, which every
 * instance hears, the lock holder included: it runs once more after its
 * current pass. The after-commit nudge (dispatchAfterCommit) only saves the
 * local instance the NOTIFY round trip. The interval catches notifications
 * lost while a LISTEN connection was reconnecting.
 *
 * Failures (NATS down: publishes fail, jobs stay WAITING) back the loop off
 * (wake-loop.ts) instead of retrying on every nudge.
 */
import type { Logger } from "../logger.js";
import type { AfterCommit } from "./after-commit.js";
import { runDispatchPass, type DispatchPassDeps, type DispatchPassResult } from "./dispatch-pass.js";
import { createWakeLoop } from "./wake-loop.js";

export interface DispatcherOptions extends DispatchPassDeps {
  /** Fallback pass period (JOBPLANE_DISPATCH_INTERVAL_MS, default 1000). */
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Called after every pass that took the lock (metrics). */
  readonly onPass?: (result: DispatchPassResult, durationMs: number) => void;
}

export interface Dispatcher {
  /** Starts the loop (the first pass runs at once). */
  start(): void;
  /** Asks for a pass soon. */
  nudge(): void;
  /** Runs one pass now, outside the loop (tests, admin). */
  runPass(): Promise<DispatchPassResult>;
  /** Resolves when no pass is running or pending. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { logger } = options;
  const runPass = () => runDispatchPass(options);
  const loop = createWakeLoop({
    intervalMs: options.intervalMs,
    onError: (err) => logger.error({ err }, "dispatch pass failed"),
    async pass() {
      const started = performance.now();
      const result = await runPass();
      if (!result.locked) return "done";
      options.onPass?.(result, performance.now() - started);
      if (result.picked > 0) {
        logger.debug(
          { picked: result.picked, published: result.published, dispatched: result.dispatched, failed: result.failed },
          "dispatch pass",
        );
      }
      if (result.failed > 0) {
        logger.warn({ failed: result.failed, err: result.error }, "dispatch publishes failed; jobs stay WAITING");
        return "failed";
      }
      return result.more ? "more" : "done";
    },
  });
  return {
    start: () => loop.start(),
    nudge: () => loop.wake(),
    runPass,
    settled: () => loop.settled(),
    stop: () => loop.stop(),
  };
}

/** The AfterCommit handler of `publishDispatch`: a nudge to the local dispatcher. */
export function dispatchAfterCommit(dispatcher: Pick<Dispatcher, "nudge">): AfterCommit {
  return {
    async run(_job, effects) {
      if (effects.some((e) => e.kind === "publishDispatch")) dispatcher.nudge();
    },
  };
}
