import { describe, expect, it } from "vitest";
import { startAttempt, type AttemptRun, type AttemptSpec } from "./attempt-runner.js";
import { testEcho } from "./handlers/test-echo.js";
import { testFail } from "./handlers/test-fail.js";
import { testSleep } from "./handlers/test-sleep.js";
import { defineJobType, type AnyJobTypeDefinition } from "./job-type-definition.js";
import { fakeAttemptEnvironment } from "./testing/fake-attempt-environment.js";
import { attemptOutcomeLabel, guardedWorkerMetrics, type WorkerMetrics } from "./worker-metrics.js";

function spec(overrides: Partial<AttemptSpec> = {}): AttemptSpec {
  return { jobId: "job_0123456789abcdef", attempt: 1, type: "t", params: {}, inputs: [], outputUploadUrl: "", deadlineMs: undefined, ...overrides };
}

const def = (d: unknown): AnyJobTypeDefinition => d as AnyJobTypeDefinition;
const labelOf = async (run: AttemptRun) => attemptOutcomeLabel(await run.outcome, run.abortCause);

describe("attemptOutcomeLabel", () => {
  it("labels what really happened to an attempt: complete, failed, cancelled, timeout; a shutdown abort is failed", async () => {
    const env = fakeAttemptEnvironment();
    expect(await labelOf(startAttempt(def(testEcho), spec({ params: { a: 1 } }), env))).toBe("complete");
    expect(await labelOf(startAttempt(def(testFail), spec({ params: { message: "boom" } }), env))).toBe("failed");

    const cancelled = startAttempt(def(testSleep), spec({ jobId: "job_c", params: { seconds: 30 } }), env);
    await env.clock.advance(1000);
    cancelled.cancel("by the user");
    expect(await labelOf(cancelled)).toBe("cancelled");

    const slow = startAttempt(def(defineJobType({ ...testSleep, name: "t.slow", maxExecutionSeconds: 2 })), spec({ jobId: "job_t", params: { seconds: 60 } }), env);
    await env.clock.advance(2000);
    expect(await labelOf(slow)).toBe("timeout");

    const stopped = startAttempt(def(testSleep), spec({ jobId: "job_s", params: { seconds: 30 } }), env);
    await env.clock.advance(1000);
    stopped.shutdown();
    expect(await labelOf(stopped)).toBe("failed");
  });

  it("keeps 'complete' when a cancel arrives after the attempt finished", async () => {
    const env = fakeAttemptEnvironment();
    const run = startAttempt(def(testEcho), spec(), env);
    await run.outcome;
    expect(run.cancel("too late")).toBe(false);
    expect(await labelOf(run)).toBe("complete");
  });
});

describe("guardedWorkerMetrics", () => {
  it("passes calls through and turns a throwing recorder into a reported error", () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const flaky: WorkerMetrics = {
      claimAnswered: (result) => void seen.push(`claim ${result}`),
      attemptFinished: () => {
        throw new Error("bad label");
      },
    };
    const guarded = guardedWorkerMetrics(flaky, (err) => errors.push(err));
    guarded.claimAnswered("accepted");
    expect(() => guarded.attemptFinished("test.echo", "complete", 1)).not.toThrow();
    expect(seen).toEqual(["claim accepted"]);
    expect(errors).toEqual([new Error("bad label")]);
  });
});
