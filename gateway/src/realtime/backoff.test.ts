import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.js";

describe("backoffDelay", () => {
  it("doubles from the base up to the cap, scaled by the jitter", () => {
    const top = () => 1;
    expect([1, 2, 3, 4, 10].map((n) => backoffDelay(n, 100, 1000, top))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(3, 100, 1000, () => 0.5)).toBe(200);
    expect(backoffDelay(3, 100, 1000, () => 0)).toBe(0);
  });
});
