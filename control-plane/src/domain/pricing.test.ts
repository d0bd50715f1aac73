import { describe, expect, it } from "vitest";
import { actualCost, estimateCost } from "./pricing.js";

const price = { baseCredits: 10, creditsPerSecond: 2 };

describe("estimateCost", () => {
  it("is base + per-second × max execution seconds", () => {
    expect(estimateCost({ ...price, maxExecutionSeconds: 600, testMode: false })).toBe(1210);
    expect(estimateCost({ ...price, maxExecutionSeconds: 0, testMode: false })).toBe(10);
    expect(estimateCost({ baseCredits: 0, creditsPerSecond: 0, maxExecutionSeconds: 60, testMode: false })).toBe(0);
  });

  it("rounds a fractional max execution time up", () => {
    expect(estimateCost({ ...price, maxExecutionSeconds: 1.2, testMode: false })).toBe(14);
  });

  it("is zero in test mode", () => {
    expect(estimateCost({ ...price, maxExecutionSeconds: 600, testMode: true })).toBe(0);
  });

  it("rejects negative or fractional prices and bad durations, even in test mode", () => {
    for (const testMode of [false, true]) {
      expect(() => estimateCost({ baseCredits: -1, creditsPerSecond: 2, maxExecutionSeconds: 1, testMode })).toThrow(RangeError);
      expect(() => estimateCost({ baseCredits: 1, creditsPerSecond: 0.5, maxExecutionSeconds: 1, testMode })).toThrow(/creditsPerSecond/);
      expect(() => estimateCost({ baseCredits: Number.NaN, creditsPerSecond: 1, maxExecutionSeconds: 1, testMode })).toThrow(/baseCredits/);
      expect(() => estimateCost({ ...price, maxExecutionSeconds: -1, testMode })).toThrow(/maxExecutionSeconds/);
      expect(() => estimateCost({ ...price, maxExecutionSeconds: Number.POSITIVE_INFINITY, testMode })).toThrow(/maxExecutionSeconds/);
    }
  });

  it("refuses a cost beyond exact integer range", () => {
    expect(() =>
      estimateCost({ baseCredits: Number.MAX_SAFE_INTEGER, creditsPerSecond: 1, maxExecutionSeconds: 10, testMode: false }),
    ).toThrow(RangeError);
  });
});

describe("actualCost", () => {
  const held = estimateCost({ ...price, maxExecutionSeconds: 600, testMode: false });

  it("bills started seconds", () => {
    expect(actualCost({ ...price, usageSeconds: 30, held, testMode: false })).toBe(70);
    expect(actualCost({ ...price, usageSeconds: 30.01, held, testMode: false })).toBe(72);
    expect(actualCost({ ...price, usageSeconds: 0, held, testMode: false })).toBe(10);
  });

  it("counts negative usage as zero", () => {
    expect(actualCost({ ...price, usageSeconds: -3, held, testMode: false })).toBe(10);
  });

  it("never charges more than was held", () => {
    expect(actualCost({ ...price, usageSeconds: 10_000, held, testMode: false })).toBe(held);
    expect(actualCost({ ...price, usageSeconds: 30, held: 5, testMode: false })).toBe(5);
    expect(actualCost({ ...price, usageSeconds: 30, held: 0, testMode: false })).toBe(0);
  });

  it("never exceeds the estimate for usage within the max execution time", () => {
    for (const usage of [0, 0.5, 1, 299.9, 599.0001, 600]) {
      expect(actualCost({ ...price, usageSeconds: usage, held, testMode: false })).toBeLessThanOrEqual(held);
    }
  });

  it("is zero in test mode", () => {
    expect(actualCost({ ...price, usageSeconds: 30, held, testMode: true })).toBe(0);
  });

  it("rejects bad prices, holds and usage", () => {
    expect(() => actualCost({ baseCredits: 1.5, creditsPerSecond: 1, usageSeconds: 1, held, testMode: false })).toThrow(/baseCredits/);
    expect(() => actualCost({ ...price, usageSeconds: 1, held: -1, testMode: false })).toThrow(/held/);
    expect(() => actualCost({ ...price, usageSeconds: 1, held: 2.5, testMode: false })).toThrow(/held/);
    expect(() => actualCost({ ...price, usageSeconds: Number.NaN, held, testMode: false })).toThrow(/usageSeconds/);
  });
});
