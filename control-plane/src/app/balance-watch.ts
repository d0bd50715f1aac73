/**
 * The core of one WatchBalance stream: re-read the org's balance after a
 * hint that it may have changed (a credit-moving event, a top-up signal),
 * coalesced, and hand the stream only balances that differ from the last
 * one it took. Pure apart from the injected read, clock and timer.
 *
 * Why coalesce: a burst of 100 submits is 100 job.created events, each one a
 * hint; a read per hint would be 100 reads per watcher. Hints that arrive
 * during a read need exactly one more read, the one that starts after them;
 * spacing reads minIntervalMs apart bounds a watcher at 1000 / minIntervalMs
 * primary-key reads per second (4/s at the default 250 ms) however busy its
 * org, and a dashboard does not need fresher numbers than that.
 *
 * States:
 *   idle     —changed()→ reading, or waiting until minIntervalMs after the last read started
 *   waiting  —timer→ reading;  —changed()→ waiting (the coming read covers it)
 *   reading  —changed()→ reading + dirty (one more read after this one, never two)
 *   reading  —read resolves→ kept as `pending` when (balance, held) differs from
 *              the last balance taken (replacing an older pending one, or dropping
 *              it when the balance went back); then dirty→ waiting/reading, else idle
 *   reading  —read rejects→ failed
 *   any      —fail(err)→ failed: next() rejects with err;  —stop()→ stopped: next() returns undefined
 * Invariants: at most one read in flight; reads start at least minIntervalMs
 * apart; a hint that arrives while a read is in flight is always followed by
 * a read that starts after it, so the last balance taken is never older than
 * the last hint; at most one balance waits for the consumer — a slow one
 * skips intermediate balances instead of buffering them.
 */
import type { Balance } from "../adapters/postgres/credit-ledger.js";

/** Default spacing of a stream's balance reads. */
export const DEFAULT_BALANCE_MIN_INTERVAL_MS = 250;

export interface BalanceWatchOptions {
  /** One read of the org's balance (a primary-key lookup). */
  read(): Promise<Balance>;
  readonly minIntervalMs?: number;
  /** Milliseconds on a monotonic clock (default performance.now). */
  readonly now?: () => number;
  /** Runs `fn` after `ms`; returns a cancel function (default: an unref'd setTimeout). */
  readonly schedule?: (fn: () => void, ms: number) => () => void;
}

export interface BalanceWatch {
  /** The balance may have changed: read it again (coalesced). The first call reads at once. */
  changed(): void;
  /**
   * The next balance that differs from the one this returned last (the
   * first read always does). Undefined once stopped or when `signal`
   * aborts; rejects once failed. One caller at a time.
   */
  next(signal?: AbortSignal): Promise<Balance | undefined>;
  /** Ends the watch with an error (the stream's event source failed). */
  fail(err: unknown): void;
  /** Ends the watch: no more reads; a waiting next() returns undefined. */
  stop(): void;
}

const defaultSchedule = (fn: () => void, ms: number): (() => void) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** Equal when balance and held are (available is their difference). */
export function sameBalance(a: Balance, b: Balance | undefined): boolean {
  return b !== undefined && a.balance === b.balance && a.held === b.held;
}

export function createBalanceWatch(options: BalanceWatchOptions): BalanceWatch {
  const minInterval = options.minIntervalMs ?? DEFAULT_BALANCE_MIN_INTERVAL_MS;
  const now = options.now ?? (() => performance.now());
  const schedule = options.schedule ?? defaultSchedule;
  let dirty = false;
  let reading = false;
  let cancelTimer: (() => void) | undefined;
  let lastStart = Number.NEGATIVE_INFINITY;
  let pending: Balance | undefined;
  let taken: Balance | undefined;
  let failure: { readonly err: unknown } | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;

  const over = (): boolean => stopped || failure !== undefined;

  function notify(): void {
    const w = wake;
    wake = undefined;
    w?.();
  }

  function end(): void {
    cancelTimer?.();
    cancelTimer = undefined;
    notify();
  }

  function fail(err: unknown): void {
    if (over()) return;
    failure = { err };
    end();
  }

  function offer(balance: Balance): void {
    if (sameBalance(balance, taken)) {
      pending = undefined;
      return;
    }
    pending = balance;
    notify();
  }

  function pump(): void {
    if (over() || reading || cancelTimer !== undefined || !dirty) return;
    const wait = lastStart + minInterval - now();
    if (wait > 0) {
      cancelTimer = schedule(() => {
        cancelTimer = undefined;
        pump();
      }, wait);
      return;
    }
    dirty = false;
    reading = true;
    lastStart = now();
    void (async () => {
      let balance: Balance;
      try {
        balance = await options.read();
      } catch (err) {
        reading = false;
        fail(err);
        return;
      }
      reading = false;
      if (over()) return;
      offer(balance);
      pump();
    })();
  }

  return {
    changed() {
      if (over()) return;
      dirty = true;
      pump();
    },

    async next(signal) {
      for (;;) {
        if (stopped || signal?.aborted) return undefined;
        if (failure) throw failure.err;
        if (pending) {
          taken = pending;
          pending = undefined;
          return taken;
        }
        await new Promise<void>((resolve) => {
          const done = (): void => {
            signal?.removeEventListener("abort", done);
            if (wake === done) wake = undefined;
            resolve();
          };
          wake = done;
          signal?.addEventListener("abort", done, { once: true });
        });
      }
    },

    fail,

    stop() {
      if (stopped) return;
      stopped = true;
      end();
    },
  };
}
