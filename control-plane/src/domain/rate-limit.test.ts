import { describe, expect, it } from "vitest";
import { gcraDecide, gcraLimits, gcraRetryAfterMs, toMicros, type GcraDecision } from "./rate-limit.js";

const MS = 1000; // µs per ms
const T0 = toMicros(new Date("2026-11-29T12:00:00.000Z"));

/** Runs `count` requests at `nowUs` from `tat`, returning every decision and the final TAT. */
function burst(tat: number | undefined, nowUs: number, rpm: number, count: number) {
  const decisions: GcraDecision[] = [];
  let current = tat;
  for (let i = 0; i < count; i++) {
    const d = gcraDecide(current, nowUs, rpm);
    decisions.push(d);
    current = d.newTatUs;
  }
  return { decisions, tat: current };
}

describe("gcraLimits", () => {
  it("spreads a minute over the rate and lets a minute's worth burst", () => {
    expect(gcraLimits(30)).toEqual({ emissionIntervalUs: 2000 * MS, burstToleranceUs: 60_000 * MS });
    expect(gcraLimits(300)).toEqual({ emissionIntervalUs: 200 * MS, burstToleranceUs: 60_000 * MS });
  });

  it("rounds T down to a microsecond and keeps τ a whole number of T", () => {
    expect(gcraLimits(7)).toEqual({ emissionIntervalUs: 8_571_428, burstToleranceUs: 59_999_996 });
  });

  it.each([0, -1, 1.5, Number.NaN, 60_000_001])("refuses the rate %s", (rpm) => {
    expect(() => gcraLimits(rpm)).toThrow(RangeError);
  });
});

describe("gcraDecide", () => {
  it("allows a fresh key and sets its TAT one interval ahead", () => {
    expect(gcraDecide(undefined, T0, 30)).toEqual({ allowed: true, newTatUs: T0 + 2000 * MS, retryAfterMs: 0 });
  });

  it.each([1, 7, 30, 300, 1000])("lets exactly rpm = %i requests burst at one instant, and refuses the next", (rpm) => {
    const { decisions } = burst(undefined, T0, rpm, rpm + 1);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(rpm);
    expect(decisions.at(-1)?.allowed).toBe(false);
  });

  it("refuses the 31st of a 30/min burst with a retry-after of one interval (2 s), changing nothing", () => {
    const { tat } = burst(undefined, T0, 30, 30);
    expect(tat).toBe(T0 + 60_000 * MS);
    expect(gcraDecide(tat, T0, 30)).toEqual({ allowed: false, newTatUs: tat, retryAfterMs: 2000 });
  });

  it("counts the retry-after down as time passes", () => {
    const { tat } = burst(undefined, T0, 30, 30);
    expect(gcraDecide(tat, T0 + 1500 * MS, 30).retryAfterMs).toBe(500);
    expect(gcraDecide(tat, T0 + 1999 * MS + 1, 30).retryAfterMs).toBe(1); // rounded up, never 0
  });

  it("refills one request per interval: allowed at exactly T, then refused again", () => {
    const { tat } = burst(undefined, T0, 30, 30);
    expect(gcraDecide(tat, T0 + 2000 * MS - 1, 30).allowed).toBe(false);
    const refilled = gcraDecide(tat, T0 + 2000 * MS, 30);
    expect(refilled).toEqual({ allowed: true, newTatUs: T0 + 62_000 * MS, retryAfterMs: 0 });
    expect(gcraDecide(refilled.newTatUs, T0 + 2000 * MS, 30)).toMatchObject({ allowed: false, retryAfterMs: 2000 });
  });

  it("refills the whole burst after a quiet minute, never more", () => {
    const { tat } = burst(undefined, T0, 30, 30);
    const later = burst(tat, T0 + 120_000 * MS, 30, 31);
    expect(later.decisions.filter((d) => d.allowed)).toHaveLength(30);
  });

  it("allows a steady stream at exactly the rate indefinitely", () => {
    let tat: number | undefined;
    for (let i = 0; i < 200; i++) {
      const d = gcraDecide(tat, T0 + i * 200 * MS, 300);
      expect(d.allowed).toBe(true);
      tat = d.newTatUs;
    }
  });

  it("treats a TAT in the past like a fresh key", () => {
    expect(gcraDecide(T0 - 3_600_000 * MS, T0, 30)).toEqual({ allowed: true, newTatUs: T0 + 2000 * MS, retryAfterMs: 0 });
  });
});

describe("gcraRetryAfterMs", () => {
  it("is tat + T − τ − now, in whole ms rounded up", () => {
    const limits = gcraLimits(30);
    expect(gcraRetryAfterMs(T0 + 61_000 * MS, T0, limits)).toBe(3000);
    expect(gcraRetryAfterMs(T0 + 60_000 * MS + 1, T0, limits)).toBe(2001);
  });
});
