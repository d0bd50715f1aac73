/**
 * balance.updated for one WebSocket client: one BillingService.WatchBalance
 * stream per session, opened with the client's own key after its first
 * successful subscribe, each message passed on. The control plane pushes
 * the current balance first and then only changes, coalesced (≤ 4/s); the
 * stream is one request against the key's rate limit however long it
 * lives. (Asking GetBalance after every credit-moving event, as the hub did
 * before, spent up to 4 of the key's requests a second — on a 30/min plan,
 * an open dashboard starved the user's own API calls.)
 *
 * States:
 *   idle       —start()→ streaming
 *   streaming  —message→ sent unless equal to the last one sent (a reopened
 *                stream repeats the current balance); the failure count resets
 *   streaming  —fails, or ends cleanly (the control plane is shutting down)→
 *                onEnd(err, failures): "off"→ off (e.g. the key lacks
 *                billing:read); a delay→ waiting
 *   waiting    —the delay elapsed→ streaming (a new call)
 *   any        —stop()→ off: the stream is aborted, nothing more is sent
 * resend() sends the last balance again (the client subscribed anew) and
 * costs no call. Invariant: at most one stream per session.
 */

/** An org's credits as WatchBalance sends them. */
export interface Balance {
  readonly balance: bigint;
  readonly held: bigint;
  readonly available: bigint;
}

export interface BalanceFollowerOptions {
  /** Opens WatchBalance with the client's credential; aborting `signal` closes it. */
  watch(signal: AbortSignal): AsyncIterable<Balance>;
  /** Sends balance.updated. */
  send(balance: Balance): void;
  /**
   * A stream ended: `err` is what it failed with, undefined for a clean end.
   * "off" stops following for good; a number is the delay in ms before the
   * next stream. `failures` counts ends in a row with no message between (1, 2, …).
   */
  onEnd(err: unknown, failures: number): "off" | number;
  /** Runs `fn` after `ms`; returns a cancel function (default: an unref'd setTimeout). */
  readonly schedule?: (fn: () => void, ms: number) => () => void;
}

export interface BalanceFollower {
  /** Opens the stream; later calls do nothing. */
  start(): void;
  /** Sends the last balance again, if one was sent; nothing otherwise (the stream's first message is coming). */
  resend(): void;
  /** Stops for good: the stream is aborted, nothing more is sent. */
  stop(): void;
}

const defaultSchedule = (fn: () => void, ms: number): (() => void) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

const sameBalance = (a: Balance, b: Balance | undefined): boolean =>
  b !== undefined && a.balance === b.balance && a.held === b.held && a.available === b.available;

export function createBalanceFollower(options: BalanceFollowerOptions): BalanceFollower {
  const schedule = options.schedule ?? defaultSchedule;
  const lifetime = new AbortController();
  const { signal } = lifetime;
  let started = false;
  /** onEnd said "off": no more streams, no resends. */
  let off = false;
  let lastSent: Balance | undefined;

  function send(balance: Balance): void {
    lastSent = balance;
    options.send(balance);
  }

  /** Resolves after `ms`, or at once when stopped. */
  function delay(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const onAbort = (): void => {
        cancel();
        resolve();
      };
      const cancel = schedule(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let err: unknown;
      try {
        for await (const balance of options.watch(signal)) {
          if (signal.aborted) return;
          failures = 0;
          if (!sameBalance(balance, lastSent)) send(balance);
        }
      } catch (e) {
        err = e;
      }
      if (signal.aborted) return;
      const verdict = options.onEnd(err, ++failures);
      if (verdict === "off") {
        off = true;
        return;
      }
      await delay(verdict);
    }
  }

  return {
    start() {
      if (started || signal.aborted) return;
      started = true;
      void run();
    },
    resend() {
      if (!signal.aborted && !off && lastSent !== undefined) send(lastSent);
    },
    stop() {
      lifetime.abort();
    },
  };
}
