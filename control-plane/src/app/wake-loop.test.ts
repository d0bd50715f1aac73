import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createWakeLoop, type PassOutcome } from "./wake-loop.js";

describe("createWakeLoop", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** A loop whose passes return the scripted outcomes, then "done". */
  function scripted(outcomes: PassOutcome[], intervalMs = 1000) {
    let passes = 0;
    const errors: unknown[] = [];
    const loop = createWakeLoop({
      intervalMs,
      maxRetryDelayMs: 400,
      onError: (err) => errors.push(err),
      pass: async () => {
        const outcome = outcomes[passes++] ?? "done";
        if (outcome === ("throw" as PassOutcome)) throw new Error("boom");
        return outcome;
      },
    });
    return { loop, errors, passes: () => passes };
  }

  it("runs at start, on wake, and every interval; wakes during a pass fold into one more", async () => {
    const { loop, passes } = scripted([]);
    loop.start();
    loop.wake();
    loop.wake();
    await loop.settled();
    expect(passes()).toBe(2); // the start pass + one for both wakes
    await vi.advanceTimersByTimeAsync(1000);
    await loop.settled();
    expect(passes()).toBe(3);
    await loop.stop();
    loop.wake();
    await vi.advanceTimersByTimeAsync(5000);
    expect(passes()).toBe(3);
  });

  it("runs again at once while a pass reports more", async () => {
    const { loop, passes } = scripted(["more", "more", "done"], 60_000);
    loop.start();
    await loop.settled();
    expect(passes()).toBe(3);
    await loop.stop();
  });

  it("backs off after failures (100, 200, 400 ms, capped) and ignores wakes until the retry is due", async () => {
    const { loop, passes, errors } = scripted(["failed", "throw" as PassOutcome, "failed", "failed", "done"], 60_000);
    loop.start();
    await loop.settled();
    expect(passes()).toBe(1);
    loop.wake(); // backing off: no pass
    await loop.settled();
    expect(passes()).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(passes()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(passes()).toBe(2); // threw
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(passes()).toBe(3);
    await vi.advanceTimersByTimeAsync(400);
    expect(passes()).toBe(4);
    await vi.advanceTimersByTimeAsync(400); // capped at maxRetryDelayMs
    expect(passes()).toBe(5);
    loop.wake(); // recovered: wakes run again
    await loop.settled();
    expect(passes()).toBe(6);
    await loop.stop();
  });
});
