import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.js";

describe("backoffDelay", () => {
  const opts = { initialMs: 100, maxMs: 1000 };
  it("doubles per failure up to the cap", () => {
    const max = () => 1;
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, opts, max))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it("jitters down to half", () => {
    expect(backoffDelay(3, opts, () => 0)).toBe(200);
  });
});
