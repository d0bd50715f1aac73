import { describe, expect, it } from "vitest";
import { SlotPool } from "./slot-pool.js";
import { settle } from "./testing/fake-clock.js";

describe("SlotPool", () => {
  it("takes up to the free slots and waits when none are free", async () => {
    const pool = new SlotPool(3);
    expect(await pool.acquireUpTo(2)).toBe(2);
    expect(await pool.acquireUpTo(5)).toBe(1);
    expect(pool.free).toBe(0);
    let got = 0;
    const waiting = pool.acquireUpTo(4).then((n) => (got = n));
    await settle();
    expect(got).toBe(0);
    pool.release(2);
    await waiting;
    expect(got).toBe(2);
    expect(pool.inUse).toBe(3);
  });

  it("stops waiting when the signal aborts", async () => {
    const pool = new SlotPool(1);
    await pool.acquireUpTo(1);
    const controller = new AbortController();
    const waiting = pool.acquireUpTo(1, controller.signal);
    controller.abort(new Error("stopping"));
    await expect(waiting).rejects.toThrow("stopping");
    pool.release(1);
    expect(pool.free).toBe(1);
  });

  it("refuses bad sizes and over-release", () => {
    expect(() => new SlotPool(0)).toThrow(/positive integer/);
    expect(() => new SlotPool(2).release(1)).toThrow(/only 0/);
  });
});
