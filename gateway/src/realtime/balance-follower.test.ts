import { describe, expect, it } from "vitest";
import { createBalanceFollower, type Balance } from "./balance-follower.js";
import { manualClock } from "../../../test/support/manual-clock.js";

const bal = (available: number, held = 0): Balance => ({ balance: BigInt(available + held), held: BigInt(held), available: BigInt(available) });

/** One WatchBalance call, driven by the test. */
interface Call {
  readonly signal: AbortSignal;
  push(b: Balance): void;
  end(): void;
  fail(err: unknown): void;
}

/** WatchBalance calls the test drives; an aborted call ends its iterator like Connect does (an error). */
function fakeWatch() {
  const calls: Call[] = [];
  const watch = (signal: AbortSignal): AsyncIterable<Balance> => {
    const queue: (() => IteratorResult<Balance>)[] = [];
    let wake: (() => void) | undefined;
    const put = (item: () => IteratorResult<Balance>) => {
      queue.push(item);
      wake?.();
    };
    calls.push({
      signal,
      push: (b) => put(() => ({ done: false, value: b })),
      end: () => put(() => ({ done: true, value: undefined })),
      fail: (err) =>
        put(() => {
          throw err;
        }),
    });
    signal.addEventListener("abort", () =>
      put(() => {
        throw new Error("aborted");
      }),
    );
    return {
      [Symbol.asyncIterator]: () => ({
        async next() {
          while (queue.length === 0) await new Promise<void>((r) => (wake = r));
          return queue.shift()!();
        },
      }),
    };
  };
  return { calls, watch };
}

const settle = () => new Promise((r) => setImmediate(r));

function setup() {
  const clock = manualClock(0);
  const upstream = fakeWatch();
  const sent: Balance[] = [];
  const ends: [unknown, number][] = [];
  const follower = createBalanceFollower({
    watch: upstream.watch,
    send: (b) => sent.push(b),
    onEnd: (err, failures) => {
      ends.push([err, failures]);
      return err instanceof Error && err.message === "forbidden" ? "off" : 1_000 * failures;
    },
    schedule: clock.schedule,
  });
  return { clock, upstream, sent, ends, follower };
}

describe("createBalanceFollower", () => {
  it("opens one stream on start and passes each message on", async () => {
    const { upstream, sent, follower } = setup();
    follower.start();
    follower.start();
    expect(upstream.calls).toHaveLength(1);
    upstream.calls[0]!.push(bal(100));
    upstream.calls[0]!.push(bal(90, 10));
    await settle();
    expect(sent).toEqual([bal(100), bal(90, 10)]);
  });

  it("resend() repeats the last balance without a call, and nothing before the first one", async () => {
    const { upstream, sent, follower } = setup();
    follower.start();
    follower.resend();
    expect(sent).toEqual([]);
    upstream.calls[0]!.push(bal(5));
    await settle();
    follower.resend();
    expect(sent).toEqual([bal(5), bal(5)]);
    expect(upstream.calls).toHaveLength(1);
  });

  it("stops for good when onEnd says off (no billing:read), silently", async () => {
    const { clock, upstream, sent, ends, follower } = setup();
    follower.start();
    upstream.calls[0]!.fail(new Error("forbidden"));
    await settle();
    clock.advance(60_000);
    await settle();
    expect(upstream.calls).toHaveLength(1);
    expect(sent).toEqual([]);
    expect(ends.map(([, n]) => n)).toEqual([1]);
  });

  it("reopens after a failure or a clean end, after the delay onEnd gives, and skips a repeated balance", async () => {
    const { clock, upstream, sent, ends, follower } = setup();
    follower.start();
    upstream.calls[0]!.push(bal(50));
    upstream.calls[0]!.fail(new Error("unavailable"));
    await settle();
    clock.advance(999);
    expect(upstream.calls).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(upstream.calls).toHaveLength(2);
    // Fails again before any message: the count goes on, and so does the delay.
    upstream.calls[1]!.fail(new Error("unavailable"));
    await settle();
    clock.advance(1_999);
    expect(upstream.calls).toHaveLength(2);
    clock.advance(1);
    await settle();
    expect(upstream.calls).toHaveLength(3);
    // A new stream starts with the current balance: unchanged, so not sent again.
    upstream.calls[2]!.push(bal(50));
    upstream.calls[2]!.push(bal(40, 10));
    // The control plane shuts down: a clean end, and the count had been reset by the messages.
    upstream.calls[2]!.end();
    await settle();
    clock.advance(1_000);
    await settle();
    expect(upstream.calls).toHaveLength(4);
    expect(sent).toEqual([bal(50), bal(40, 10)]);
    expect(ends.map(([err, n]) => [err instanceof Error ? err.message : err, n])).toEqual([
      ["unavailable", 1],
      ["unavailable", 2],
      [undefined, 1],
    ]);
  });

  it("stop() aborts the stream and a pending reopen, and nothing more is sent", async () => {
    const { clock, upstream, sent, ends, follower } = setup();
    follower.start();
    upstream.calls[0]!.push(bal(1));
    await settle();
    follower.stop();
    expect(upstream.calls[0]!.signal.aborted).toBe(true);
    await settle();
    follower.resend();
    expect(sent).toEqual([bal(1)]);
    expect(ends).toEqual([]);

    const waiting = setup();
    waiting.follower.start();
    waiting.upstream.calls[0]!.fail(new Error("unavailable"));
    await settle();
    expect(waiting.clock.pending).toBe(1);
    waiting.follower.stop();
    expect(waiting.clock.pending).toBe(0);
    waiting.clock.advance(10_000);
    await settle();
    expect(waiting.upstream.calls).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });
});
