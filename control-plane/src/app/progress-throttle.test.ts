import { describe, expect, it } from "vitest";
import { ProgressThrottle } from "./progress-throttle.js";

describe("ProgressThrottle", () => {
  it("stores the first update, defers the rest of the window, keeps only the latest", () => {
    const t = new ProgressThrottle<number>(1000);
    expect(t.offer("a", 1, 0)).toBe("store");
    expect(t.offer("a", 2, 10)).toBe("deferred");
    expect(t.offer("a", 3, 999)).toBe("deferred");
    expect(t.takeDue(999)).toEqual([]);
    expect(t.takeDue(1000)).toEqual([["a", 3]]);
    // The flush opened a new window.
    expect(t.offer("a", 4, 1500)).toBe("deferred");
    expect(t.takeDue(1999)).toEqual([]);
    expect(t.takeDue(2000)).toEqual([["a", 4]]);
    expect(t.takeDue(5000)).toEqual([]);
  });

  it("stores an update that arrives after the window, superseding the pending one", () => {
    const t = new ProgressThrottle<number>(1000);
    t.offer("a", 1, 0);
    t.offer("a", 2, 500);
    expect(t.offer("a", 3, 1200)).toBe("store");
    expect(t.takeDue(3000)).toEqual([]);
  });

  it("keeps keys apart and forgets them", () => {
    const t = new ProgressThrottle<number>(1000);
    expect(t.offer("a", 1, 0)).toBe("store");
    expect(t.offer("b", 1, 1)).toBe("store");
    t.offer("a", 2, 2);
    t.forget("a");
    expect(t.takeDue(10_000)).toEqual([]);
    expect(t.keys()).toEqual(["b"]);
    expect(t.offer("a", 3, 3)).toBe("store");
  });

  it("with a zero window stores everything", () => {
    const t = new ProgressThrottle<number>(0);
    expect(t.offer("a", 1, 0)).toBe("store");
    expect(t.offer("a", 2, 0)).toBe("store");
  });
});
