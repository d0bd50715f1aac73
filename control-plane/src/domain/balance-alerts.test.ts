import { describe, expect, it } from "vitest";
import { balanceAlert, balanceSnapshot } from "./balance-alerts.js";

const T = 100;

describe("balanceAlert", () => {
  it.each([
    // [before, after, expected]
    [150, 120, undefined], // stays above the threshold
    [101, 100, undefined], // lands exactly on it: not below
    [100, 99, "balance.low"], // from exactly the threshold to just below
    [150, 99, "balance.low"],
    [150, 1, "balance.low"], // just above 0 is still low, not depleted
    [99, 50, undefined], // already below: no second low
    [150, 0, "balance.depleted"], // skipping past low fires only depleted
    [50, 0, "balance.depleted"],
    [1, 0, "balance.depleted"],
    [1, -5, "balance.depleted"], // ≤ 0 counts as depleted
    [0, 0, undefined], // already depleted
    [0, -1, undefined],
    [-3, -4, undefined],
  ] as const)("falling from %i to %i fires %s", (before, after, expected) => {
    expect(balanceAlert(before, after, T)).toBe(expected);
  });

  it.each([
    [0, 50],
    [0, 150],
    [50, 150],
    [99, 100],
    [150, 150],
    [0, 0],
  ] as const)("rising or standing still (%i → %i) fires nothing", (before, after) => {
    expect(balanceAlert(before, after, T)).toBeUndefined();
  });

  it("fires each event once per crossing over a steady drain, and again after a top-up re-arms it", () => {
    const fired: string[] = [];
    let available = 103;
    const move = (delta: number) => {
      const alert = balanceAlert(available, available + delta, T);
      available += delta;
      if (alert) fired.push(`${alert}@${available}`);
    };
    for (let i = 0; i < 103; i++) move(-1);
    expect(fired).toEqual(["balance.low@99", "balance.depleted@0"]);
    move(+150); // top-up above the threshold
    for (let i = 0; i < 150; i++) move(-1);
    expect(fired).toEqual(["balance.low@99", "balance.depleted@0", "balance.low@99", "balance.depleted@0"]);
  });

  it("does not re-arm balance.low on a top-up that stays below the threshold", () => {
    expect(balanceAlert(50, 90, T)).toBeUndefined(); // top-up to 90
    expect(balanceAlert(90, 80, T)).toBeUndefined(); // the next drain: still no second low
    // …but any top-up out of depletion re-arms balance.depleted.
    expect(balanceAlert(0, 30, T)).toBeUndefined();
    expect(balanceAlert(30, 0, T)).toBe("balance.depleted");
  });

  it("never fires balance.low with a threshold of 0, still fires balance.depleted", () => {
    expect(balanceAlert(10, 5, 0)).toBeUndefined();
    expect(balanceAlert(10, 0, 0)).toBe("balance.depleted");
  });

  it("with a threshold of 1, low is unreachable (below 1 and above 0 is empty): depleted fires", () => {
    expect(balanceAlert(5, 0, 1)).toBe("balance.depleted");
    expect(balanceAlert(5, 1, 1)).toBeUndefined();
  });
});

describe("balanceSnapshot", () => {
  it("carries the account after the movement and the crossed threshold (0 for depleted)", () => {
    expect(balanceSnapshot("balance.low", 120, 30, 100)).toEqual({ balance: 120, held: 30, available: 90, threshold: 100 });
    expect(balanceSnapshot("balance.depleted", 40, 40, 100)).toEqual({ balance: 40, held: 40, available: 0, threshold: 0 });
  });
});
