import { describe, expect, it } from "vitest";
import type { Balance } from "../adapters/postgres/credit-ledger.js";
import { createBalanceWatch, type BalanceWatchOptions } from "./balance-watch.js";
import { manualClock } from "../../../test/support/manual-clock.js";

const bal = (balance: number, held = 0): Balance => ({ balance, held, available: balance - held });

/** Balance reads the test answers one by one. */
function fakeReads(now: () => number) {
  const calls: { at: number; resolve: (b: Balance) => void; reject: (e: unknown) => void }[] = [];
  return {
    calls,
    read: () =>
      new Promise<Balance>((resolve, reject) => {
        calls.push({ at: now(), resolve, reject });
      }),
  };
}

/** Lets settled promises run their continuations. */
const settle = () => new Promise((r) => setImmediate(r));

function setup(overrides: Partial<BalanceWatchOptions> = {}) {
  const clock = manualClock(1_000);
  const reads = fakeReads(clock.now);
  const watch = createBalanceWatch({ read: reads.read, minIntervalMs: 250, now: clock.now, schedule: clock.schedule, ...overrides });
  /** What next() has to hand right now: a balance, or "waiting". */
  const peek = async (): Promise<Balance | "waiting"> => {
    const probe = new AbortController();
    const result = watch.next(probe.signal);
    await settle();
    probe.abort();
    return (await result) ?? "waiting";
  };
  return { clock, reads, watch, peek };
}

describe("createBalanceWatch", () => {
  it("reads at once on the first change and hands over the first balance whatever it is", async () => {
    const { reads, watch } = setup();
    const first = watch.next();
    watch.changed();
    expect(reads.calls).toHaveLength(1);
    reads.calls[0]!.resolve(bal(0));
    expect(await first).toEqual(bal(0));
  });

  it("folds a burst into one more read, started minIntervalMs after the last one started", async () => {
    const { clock, reads, watch, peek } = setup();
    watch.changed();
    for (let i = 0; i < 10; i++) watch.changed();
    expect(reads.calls).toHaveLength(1);
    clock.advance(100);
    reads.calls[0]!.resolve(bal(100, 1));
    await settle();
    expect(await peek()).toEqual(bal(100, 1));
    // The burst asked for one more read: not before 250 ms after the first started.
    expect(reads.calls).toHaveLength(1);
    clock.advance(149);
    expect(reads.calls).toHaveLength(1);
    clock.advance(1);
    expect(reads.calls.map((c) => c.at)).toEqual([1_000, 1_250]);
    reads.calls[1]!.resolve(bal(100, 11));
    await settle();
    expect(await peek()).toEqual(bal(100, 11));
    // Nothing asked since: idle, no timer.
    clock.advance(10_000);
    expect(reads.calls).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });

  it("keeps at most one read in flight, and reads again after it when changed meanwhile", async () => {
    const { clock, reads, watch } = setup();
    watch.changed();
    clock.advance(1_000);
    watch.changed();
    watch.changed();
    expect(reads.calls).toHaveLength(1);
    reads.calls[0]!.resolve(bal(5));
    await settle();
    // 1 s since the last read started: the next one goes at once.
    expect(reads.calls.map((c) => c.at)).toEqual([1_000, 2_000]);
  });

  it("hands over only balances whose balance or held changed since the last one taken", async () => {
    const { clock, reads, watch, peek } = setup();
    watch.changed();
    reads.calls[0]!.resolve(bal(100, 10));
    await settle();
    expect(await peek()).toEqual(bal(100, 10));

    const answer = async (b: Balance) => {
      watch.changed();
      clock.advance(250);
      reads.calls.at(-1)!.resolve(b);
      await settle();
    };
    await answer(bal(100, 10));
    expect(await peek()).toBe("waiting");
    // Changed, then back before anyone took it: nothing to send.
    await answer(bal(100, 20));
    await answer(bal(100, 10));
    expect(await peek()).toBe("waiting");
    // A slow consumer gets only the newest of several changes.
    await answer(bal(90, 0));
    await answer(bal(80, 0));
    expect(await peek()).toEqual(bal(80, 0));
    expect(await peek()).toBe("waiting");
  });

  it("fails next() with a read's error, and reads no more", async () => {
    const { clock, reads, watch } = setup();
    const first = watch.next();
    watch.changed();
    const boom = new Error("connection lost");
    reads.calls[0]!.reject(boom);
    await expect(first).rejects.toBe(boom);
    watch.changed();
    clock.advance(1_000);
    expect(reads.calls).toHaveLength(1);
    await expect(watch.next()).rejects.toBe(boom);
  });

  it("fail() wakes a waiting next() with the error", async () => {
    const { watch } = setup();
    const waiting = watch.next();
    const err = new Error("fell behind");
    watch.fail(err);
    await expect(waiting).rejects.toBe(err);
  });

  it("stop() ends a waiting next(), cancels a pending read and drops the answer of one in flight", async () => {
    const { clock, reads, watch } = setup();
    watch.changed();
    const waiting = watch.next();
    watch.stop();
    expect(await waiting).toBeUndefined();
    reads.calls[0]!.resolve(bal(1));
    await settle();
    expect(await watch.next()).toBeUndefined();

    const second = setup();
    second.watch.changed();
    second.reads.calls[0]!.resolve(bal(1));
    await settle();
    second.watch.changed(); // waits for 250 ms
    expect(second.clock.pending).toBe(1);
    second.watch.stop();
    second.clock.advance(1_000);
    expect(second.reads.calls).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it("next() returns undefined when its signal aborts, and a later next() still gets the balance", async () => {
    const { reads, watch } = setup();
    const abort = new AbortController();
    const waiting = watch.next(abort.signal);
    abort.abort();
    expect(await waiting).toBeUndefined();
    watch.changed();
    reads.calls[0]!.resolve(bal(7));
    expect(await watch.next()).toEqual(bal(7));
  });
});
