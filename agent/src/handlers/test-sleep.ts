/**
 * `test.sleep` {seconds}: waits that long, reporting progress once a second,
 * and stops as soon as its signal aborts (the timer is cleared, nothing keeps
 * running). Time comes from ctx.clock so unit tests drive it.
 */
import { sleep } from "../clock.js";
import { defineJobType, validationError } from "../job-type-definition.js";

const MAX_SECONDS = 3600;

export const testSleep = defineJobType<{ seconds: number }>({
  name: "test.sleep",
  description: "Sleeps for params.seconds, reporting progress each second.",
  paramsSchema: {
    type: "object",
    properties: { seconds: { type: "number", minimum: 0, maximum: MAX_SECONDS } },
    required: ["seconds"],
  },
  maxExecutionSeconds: MAX_SECONDS + 60,
  parseParams(raw) {
    const seconds = raw.seconds;
    if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_SECONDS) {
      const description = `must be a number from 0 to ${MAX_SECONDS}`;
      throw validationError(`seconds ${description}`, [{ path: "/params/seconds", description }]);
    }
    return { seconds };
  },
  async run(ctx) {
    const totalMs = Math.round(ctx.params.seconds * 1000);
    let elapsedMs = 0;
    ctx.progress(0, "sleep", `0/${ctx.params.seconds}s`);
    while (elapsedMs < totalMs) {
      const stepMs = Math.min(1000, totalMs - elapsedMs);
      await sleep(ctx.clock, stepMs, ctx.signal);
      elapsedMs += stepMs;
      ctx.log(`slept ${elapsedMs / 1000}s`);
      ctx.progress((elapsedMs / totalMs) * 100, "sleep", `${elapsedMs / 1000}/${ctx.params.seconds}s`);
    }
    if (totalMs === 0) ctx.progress(100, "sleep", "0/0s");
    return { data: { sleptSeconds: ctx.params.seconds } };
  },
});
