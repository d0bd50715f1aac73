import { describe, expect, it } from "vitest";
import { BoundedQueue } from "./bounded-queue.js";

describe("BoundedQueue", () => {
  it("hands items out in push order", () => {
    const q = new BoundedQueue<number>(10);
    for (let i = 0; i < 5; i++) q.push(i);
    expect([q.shift(), q.shift(), q.shift()]).toEqual([0, 1, 2]);
    q.push(5);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([3, 4, 5, undefined]);
  });

  it("keeps order across compaction", () => {
    const q = new BoundedQueue<number>(5000);
    const out: number[] = [];
    for (let i = 0; i < 4000; i++) {
      q.push(i);
      if (i % 2 === 1) out.push(q.shift() as number, q.shift() as number);
    }
    expect(out).toEqual(Array.from({ length: 4000 }, (_, i) => i));
  });

  it("overflows instead of growing: drops everything and ignores pushes until reset", () => {
    const q = new BoundedQueue<number>(3);
    q.push(1);
    q.push(2);
    q.push(3);
    expect(q.overflowed).toBe(false);
    q.push(4);
    expect(q.overflowed).toBe(true);
    expect(q.length).toBe(0);
    q.push(5);
    expect(q.shift()).toBeUndefined();
    q.reset();
    q.push(6);
    expect([q.overflowed, q.shift()]).toEqual([false, 6]);
  });

  it("wakes a waiter on push, overflow, close and abort", async () => {
    const q = new BoundedQueue<number>(1);
    const pushed = q.wait();
    q.push(1);
    await pushed;
    const overflowed = q.wait();
    expect(q.length).toBe(1);
    await overflowed; // resolves at once: an item is there
    q.push(2);
    expect(q.overflowed).toBe(true);
    await q.wait();
    q.reset();
    const closed = q.wait();
    q.close();
    await closed;
    const open = new BoundedQueue<number>(1);
    const abort = new AbortController();
    const aborted = open.wait(abort.signal);
    abort.abort();
    await aborted;
  });
});
