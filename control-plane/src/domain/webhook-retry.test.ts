import { describe, expect, it } from "vitest";
import { attemptsExhausted, retryDelayMs } from "./webhook-retry.js";

const policy = { baseMs: 5000, maxMs: 6 * 3600_000 };

describe("retryDelayMs", () => {
  it("doubles from the base per attempt, at full jitter factor", () => {
    const top = () => 1;
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, top))).toEqual([5000, 10_000, 20_000, 40_000]);
  });

  it("keeps the jitter within half to all of the step", () => {
    expect(retryDelayMs(3, policy, () => 0)).toBe(10_000);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(15_000);
    for (let i = 0; i < 100; i++) {
      const delay = retryDelayMs(2, policy);
      expect(delay).toBeGreaterThanOrEqual(5000);
      expect(delay).toBeLessThanOrEqual(10_000);
    }
  });

  it("never exceeds the cap, however many attempts", () => {
    expect(retryDelayMs(20, policy, () => 1)).toBe(6 * 3600_000);
    expect(retryDelayMs(5000, policy, () => 1)).toBe(6 * 3600_000);
    expect(retryDelayMs(5000, policy, () => 0)).toBe(3 * 3600_000);
  });
});

describe("attemptsExhausted", () => {
  it("is true once the attempts reach the budget", () => {
    expect(attemptsExhausted(7, 8)).toBe(false);
    expect(attemptsExhausted(8, 8)).toBe(true);
    expect(attemptsExhausted(9, 8)).toBe(true);
  });
});
