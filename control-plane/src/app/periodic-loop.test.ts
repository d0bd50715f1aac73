import { describe, expect, it } from "vitest";
import { withDeadline } from "../../../test/support/agent-session-driver.js";
import { startPeriodicLoop } from "./periodic-loop.js";
import type { SweepResult, Sweeper } from "./sweep.js";

describe("startPeriodicLoop", () => {
  it("runs passes at the clock's time, keeps going after a failed pass, and stops", async () => {
    const at = new Date("2030-01-01T00:00:00Z");
    const seen: Date[] = [];
    let passes = 0;
    let third!: () => void;
    const thirdPass = new Promise<void>((resolve) => (third = resolve));
    const sweeper: Sweeper = {
      async sweepOnce(now) {
        seen.push(now);
        passes++;
        if (passes === 3) third();
        if (passes === 1) throw new Error("database away");
        return { leader: true, timedOut: [], skipped: 0 } satisfies SweepResult;
      },
    };
    const errors: unknown[] = [];
    const loop = startPeriodicLoop({ pass: (now) => sweeper.sweepOnce(now), intervalMs: 1, clock: () => at, onError: (e) => errors.push(e) });

    await withDeadline(thirdPass, 5_000, "three sweeper passes");
    await loop.stop();
    const after = passes;

    expect(errors).toHaveLength(1);
    expect(seen.every((d) => d === at)).toBe(true);
    expect(passes).toBe(after);
  });
});
