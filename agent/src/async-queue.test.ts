import { describe, expect, it } from "vitest";
import { AsyncQueue } from "./async-queue.js";

describe("AsyncQueue", () => {
  it("yields pushed items in order, to a waiting reader too, and ends on close", async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    const it = q[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 1, done: false });
    const pending = it.next();
    q.push(2);
    expect(await pending).toEqual({ value: 2, done: false });
    q.push(3);
    q.close();
    expect(q.push(4)).toBe(false);
    const rest: number[] = [];
    for await (const n of { [Symbol.asyncIterator]: () => it }) rest.push(n);
    expect(rest).toEqual([3]);
  });

  it("fails a waiting reader", async () => {
    const q = new AsyncQueue<number>();
    const it = q[Symbol.asyncIterator]();
    const pending = it.next();
    q.fail(new Error("broken"));
    await expect(pending).rejects.toThrow("broken");
  });
});
