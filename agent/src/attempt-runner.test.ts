import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase } from "../../proto/gen/jobplane/v1/job_pb.js";
import { AttemptRegistry } from "./attempt-registry.js";
import { startAttempt, type AttemptOutcome, type AttemptSpec } from "./attempt-runner.js";
import { sleep } from "./clock.js";
import { testEcho } from "./handlers/test-echo.js";
import { testSleep } from "./handlers/test-sleep.js";
import { defineJobType, validationError, type AnyJobTypeDefinition } from "./job-type-definition.js";
import { settle } from "./testing/fake-clock.js";
import { fakeAttemptEnvironment } from "./testing/fake-attempt-environment.js";

function spec(overrides: Partial<AttemptSpec> = {}): AttemptSpec {
  return {
    jobId: "job_0123456789abcdef",
    attempt: 1,
    type: "test.echo",
    params: {},
    inputs: [],
    outputUploadUrl: "http://blobs.test/upload/job_0123456789abcdef/",
    deadlineMs: undefined,
    ...overrides,
  };
}

const def = (d: unknown): AnyJobTypeDefinition => d as AnyJobTypeDefinition;

function failed(outcome: AttemptOutcome) {
  if (outcome.kind !== "failed") throw new Error(`expected a failure, got ${outcome.kind}`);
  return outcome.report;
}

function completed(outcome: AttemptOutcome) {
  if (outcome.kind !== "completed") throw new Error(`expected completion, got ${JSON.stringify(outcome.report.error)}`);
  return outcome.report;
}

/** Resolves once `run` has settled, advancing the fake clock in steps until then. */
async function runFor(run: { settled: boolean }, clock: { advance(ms: number): Promise<void> }, ms: number, step = 100) {
  for (let t = 0; t < ms && !run.settled; t += step) await clock.advance(step);
}

describe("attempt runner", () => {
  it("completes with the handler's data, measured wall time and uploaded files", async () => {
    const env = fakeAttemptEnvironment();
    const handler = defineJobType({
      name: "t.files",
      maxExecutionSeconds: 60,
      async run(ctx) {
        expect(ctx.inputs.source?.path).toBe(`/fake/job_0123456789abcdef-1/inputs/source`);
        await sleep(ctx.clock, 2500, ctx.signal);
        return { data: { ok: true }, files: [{ name: "thumb.png", path: `${ctx.outputDir}/thumb.png`, contentType: "image/png", meta: { width: 64 } }] };
      },
    });
    const run = startAttempt(def(handler), spec({ inputs: [{ name: "source", url: "http://blobs.test/in", contentType: "video/mp4" }] }), env);
    await runFor(run, env.clock, 3000);
    const report = completed(await run.outcome);
    expect(report.ref).toMatchObject({ jobId: "job_0123456789abcdef", attempt: 1 });
    expect(report.output?.data).toEqual({ ok: true });
    expect(report.usageSeconds).toBe(2.5);
    expect(report.output?.files).toHaveLength(1);
    expect(report.output?.files[0]).toMatchObject({ name: "thumb.png", contentType: "image/png", sizeBytes: 7n, meta: { width: 64 } });
    expect(env.downloads.map((d) => d.name)).toEqual(["source"]);
    expect(env.uploads.map((u) => u.url)).toEqual(["http://blobs.test/upload/job_0123456789abcdef/thumb.png"]);
    await settle();
    expect(env.workspaces).toEqual({ created: 1, disposed: 1 });
    expect(env.clock.pendingTimers).toBe(0);
  });

  it("runs test.echo: its params come back as output data", async () => {
    const env = fakeAttemptEnvironment();
    const run = startAttempt(def(testEcho), spec({ params: { hello: "world", n: 3 } }), env);
    const report = completed(await run.outcome);
    expect(report.output?.data).toEqual({ hello: "world", n: 3 });
    expect(report.usageSeconds).toBe(0);
  });

  it("fails with PROVIDER_ERROR, the message and the log tail when the handler throws", async () => {
    const env = fakeAttemptEnvironment();
    const handler = defineJobType({
      name: "t.crash",
      maxExecutionSeconds: 60,
      async run(ctx) {
        ctx.log("starting");
        for (let i = 0; i < 500; i++) ctx.log(`frame ${i} encoded`);
        ctx.log("ffmpeg: Invalid data found when processing input");
        throw new Error("ffmpeg exited with code 1");
      },
    });
    const report = failed(await startAttempt(def(handler), spec(), env).outcome);
    expect(report.cancelled).toBe(false);
    expect(report.error).toMatchObject({
      code: ErrorCode.PROVIDER_ERROR,
      message: "ffmpeg exited with code 1",
      retryable: true,
      failedPhase: JobPhase.PROCESS,
    });
    const detail = report.error!.detail;
    expect(Buffer.byteLength(detail)).toBeLessThanOrEqual(4096);
    expect(detail.endsWith("ffmpeg: Invalid data found when processing input")).toBe(true);
    expect(detail).toContain("frame 499 encoded");
    expect(detail).not.toContain("starting");
  });

  it("fails with VALIDATION_ERROR (not retryable) when the handler throws a validation failure", async () => {
    const env = fakeAttemptEnvironment();
    const handler = defineJobType({
      name: "t.invalid",
      maxExecutionSeconds: 60,
      async run(ctx) {
        ctx.log("probing input");
        throw validationError("the input is not a video", [{ path: "/inputs/source", description: "no video stream" }]);
      },
    });
    const report = failed(await startAttempt(def(handler), spec(), env).outcome);
    expect(report.error).toMatchObject({ code: ErrorCode.VALIDATION_ERROR, message: "the input is not a video", retryable: false });
    expect(report.error?.detail).toBe("/inputs/source: no video stream\nprobing input");
  });

  it("treats a handler that throws synchronously like one that rejects", async () => {
    const env = fakeAttemptEnvironment();
    const handler = defineJobType({
      name: "t.sync",
      maxExecutionSeconds: 60,
      run: (() => {
        throw new Error("sync boom");
      }) as () => Promise<undefined>,
    });
    const report = failed(await startAttempt(def(handler), spec(), env).outcome);
    expect(report.error).toMatchObject({ code: ErrorCode.PROVIDER_ERROR, message: "sync boom" });
  });

  it("fails params that parseParams rejects with VALIDATION_ERROR", async () => {
    const env = fakeAttemptEnvironment();
    const report = failed(await startAttempt(def(testSleep), spec({ params: { seconds: "soon" } }), env).outcome);
    expect(report.error).toMatchObject({ code: ErrorCode.VALIDATION_ERROR, failedPhase: JobPhase.PROCESS });
    expect(report.error?.detail).toContain("/params/seconds");
  });

  it("names the download phase when an input cannot be fetched", async () => {
    const env = fakeAttemptEnvironment({
      transfer: {
        download: async () => {
          throw new Error('downloading input "source" failed: HTTP 403');
        },
      },
    });
    const report = failed(await startAttempt(def(testEcho), spec({ inputs: [{ name: "source", url: "http://x/y", contentType: "" }] }), env).outcome);
    expect(report.error).toMatchObject({ code: ErrorCode.PROVIDER_ERROR, failedPhase: JobPhase.DOWNLOAD, message: 'downloading input "source" failed: HTTP 403' });
  });

  it("aborts at the type's max execution time and reports PROVIDER_TIMEOUT", async () => {
    const env = fakeAttemptEnvironment();
    const slow = defineJobType({ ...testSleep, name: "t.slow", maxExecutionSeconds: 3 });
    const run = startAttempt(def(slow), spec({ params: { seconds: 60 } }), env);
    await env.clock.advance(2999);
    expect(run.settled).toBe(false);
    await env.clock.advance(1);
    const report = failed(await run.outcome);
    expect(report.error).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT, failedPhase: JobPhase.PROCESS, retryable: true });
    expect(report.error?.message).toContain("maximum execution time of 3 s");
    expect(report.error?.detail).toContain("slept 2s");
    expect(run.abortCause).toMatchObject({ kind: "timeout", limit: "max-execution" });
    expect(env.clock.pendingTimers).toBe(0);
  });

  it("aborts at the claim's deadline when it comes first, even if the handler ignores its signal", async () => {
    const env = fakeAttemptEnvironment();
    const stubborn = defineJobType({
      name: "t.stubborn",
      maxExecutionSeconds: 600,
      run: () => new Promise(() => undefined),
    });
    const run = startAttempt(def(stubborn), spec({ deadlineMs: env.clock.now() + 1500 }), env);
    await env.clock.advance(1500);
    const report = failed(await run.outcome);
    expect(report.error).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT, failedPhase: JobPhase.PROCESS });
    expect(report.error?.message).toContain("deadline");
    expect(run.abortCause).toMatchObject({ kind: "timeout", limit: "deadline", afterMs: 1500 });
  });

  it("reports a cancel as a cancelled failure with no error code, and stops the handler promptly", async () => {
    const env = fakeAttemptEnvironment();
    const run = startAttempt(def(testSleep), spec({ params: { seconds: 30 } }), env);
    await env.clock.advance(2000);
    expect(run.cancel("cancelled by user")).toBe(true);
    expect(run.cancel("again")).toBe(false);
    expect(run.shutdown()).toBe(false);
    const report = failed(await run.outcome);
    expect(report.cancelled).toBe(true);
    expect(report.error).toMatchObject({ code: ErrorCode.UNSPECIFIED, message: "cancelled", detail: "cancelled by user", retryable: false });
    await settle();
    expect(env.clock.pendingTimers).toBe(0);
    expect(env.workspaces.disposed).toBe(1);
  });

  it("reports shutdown as a retryable PROVIDER_ERROR 'agent shutting down'", async () => {
    const env = fakeAttemptEnvironment();
    const run = startAttempt(def(testSleep), spec({ params: { seconds: 30 } }), env);
    await env.clock.advance(1000);
    expect(run.shutdown()).toBe(true);
    const report = failed(await run.outcome);
    expect(report.cancelled).toBe(false);
    expect(report.error).toMatchObject({ code: ErrorCode.PROVIDER_ERROR, message: "agent shutting down", retryable: true });
  });

  it("throttles progress: the first at once, the latest at the end of each interval, nothing after the end", async () => {
    const env = fakeAttemptEnvironment({ progressThrottleMs: 2500 });
    const run = startAttempt(def(testSleep), spec({ params: { seconds: 5 } }), env);
    await runFor(run, env.clock, 6000);
    completed(await run.outcome);
    // progress calls at t=0 (0 %), 1 s (20 %), 2 s (40 %), 3 s (60 %), 4 s (80 %), 5 s (100 %):
    // sent at 0 (0 %), at 2.5 s (40 %, the latest then), at 5 s (80 %, the trailing one); the 100 % that
    // comes with the result falls in the next interval and is dropped: the CompleteJob says it.
    expect(env.progress.map((p) => p.update.percent)).toEqual([0, 40, 80]);
    expect(env.progress.every((p) => p.ref.jobId === "job_0123456789abcdef")).toBe(true);
    expect(env.clock.pendingTimers).toBe(0);
  });

  it("a late cancel for an older attempt never reaches the newer attempt of the same job", async () => {
    const env = fakeAttemptEnvironment();
    const registry = new AttemptRegistry();
    const first = startAttempt(def(testEcho), spec({ attempt: 1 }), env);
    registry.add(first);
    await first.outcome;
    registry.delete(first);
    const second = startAttempt(def(testSleep), spec({ attempt: 2, params: { seconds: 2 } }), env);
    registry.add(second);

    expect(registry.cancel({ jobId: "job_0123456789abcdef", attempt: 1 }, "late cancel")).toBe("unknown");
    expect(second.abortCause).toBeUndefined();
    await runFor(second, env.clock, 3000);
    expect(completed(await second.outcome).ref?.attempt).toBe(2);
    expect(registry.cancel({ jobId: "job_0123456789abcdef", attempt: 2 }, "too late")).toBe("already-ended");
    expect(registry.refs()).toEqual([{ jobId: "job_0123456789abcdef", attempt: 2 }]);
  });
});
