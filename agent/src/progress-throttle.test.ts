import { describe, expect, it } from "vitest";
import { normaliseProgress, ProgressThrottle, type ProgressUpdate } from "./progress-throttle.js";
import { FakeClock } from "./testing/fake-clock.js";

const p = (percent: number): ProgressUpdate => ({ percent, step: "", message: "" });

describe("ProgressThrottle", () => {
  it("sends the first update at once and only the latest of a burst after the interval", async () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    const throttle = new ProgressThrottle(clock, 1000, (u) => sent.push(u.percent));
    throttle.push(p(1));
    throttle.push(p(2));
    throttle.push(p(3));
    expect(sent).toEqual([1]);
    await clock.advance(999);
    expect(sent).toEqual([1]);
    await clock.advance(1);
    expect(sent).toEqual([1, 3]);
    await clock.advance(5000);
    throttle.push(p(4));
    expect(sent).toEqual([1, 3, 4]);
  });

  it("drops what is pending on close and ignores later pushes", async () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    const throttle = new ProgressThrottle(clock, 1000, (u) => sent.push(u.percent));
    throttle.push(p(1));
    throttle.push(p(2));
    throttle.close();
    throttle.push(p(3));
    await clock.advance(5000);
    expect(sent).toEqual([1]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("normalises percentages", () => {
    expect(normaliseProgress(150, "s", "m")).toEqual({ percent: 100, step: "s", message: "m" });
    expect(normaliseProgress(-3)).toEqual({ percent: 0, step: "", message: "" });
    expect(normaliseProgress(Number.NaN)).toBeUndefined();
  });
});
