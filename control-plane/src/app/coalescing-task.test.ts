import { describe, expect, it } from "vitest";
import { createCoalescingTask } from "./coalescing-task.js";

/** A promise with its resolve function outside, to hold a run open. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("createCoalescingTask", () => {
  it("folds requests made during a run into exactly one more run", async () => {
    const gates = [gate(), gate()];
    let runs = 0;
    const task = createCoalescingTask(async () => {
      const g = gates[runs++];
      await g?.promise;
    }, () => {});
    task.request();
    task.request();
    task.request();
    task.request();
    expect(runs).toBe(1);
    gates[0]?.open();
    gates[1]?.open();
    await task.settled();
    expect(runs).toBe(2);
  });

  it("never runs twice at once and keeps running after a failure", async () => {
    let active = 0;
    let maxActive = 0;
    const errors: unknown[] = [];
    let runs = 0;
    const task = createCoalescingTask(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await Promise.resolve();
      active--;
      if (runs++ === 0) throw new Error("boom");
    }, (err) => errors.push(err));
    task.request();
    task.request();
    await task.settled();
    task.request();
    await task.settled();
    expect(maxActive).toBe(1);
    expect(runs).toBe(3);
    expect(errors).toHaveLength(1);
  });

  it("stop() waits for the run in flight and refuses new ones", async () => {
    const g = gate();
    let runs = 0;
    let finished = false;
    const task = createCoalescingTask(async () => {
      runs++;
      await g.promise;
      finished = true;
    }, () => {});
    task.request();
    task.request();
    const stopping = task.stop();
    g.open();
    await stopping;
    expect(finished).toBe(true);
    task.request();
    await task.settled();
    expect(runs).toBe(1);
  });
});
