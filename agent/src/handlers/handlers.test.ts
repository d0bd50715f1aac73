import type { JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ValidationFailure, type HandlerContext } from "../job-type-definition.js";
import { FakeClock, settle } from "../testing/fake-clock.js";
import { builtinJobTypes } from "./builtin.js";
import { testEcho } from "./test-echo.js";
import { testFail } from "./test-fail.js";
import { testSleep } from "./test-sleep.js";

function context<P>(params: P, clock = new FakeClock(), controller = new AbortController()) {
  const progress: Array<[number, string | undefined, string | undefined]> = [];
  const logs: string[] = [];
  const ctx: HandlerContext<P> = {
    jobId: "job_00000000000000aa",
    attempt: 1,
    params,
    inputs: {},
    outputDir: "/tmp/unused",
    signal: controller.signal,
    clock,
    progress: (percent, step, message) => progress.push([percent, step, message]),
    log: (line) => logs.push(line),
  };
  return { ctx, clock, controller, progress, logs };
}

describe("built-in handlers", () => {
  it("lists test.echo, test.sleep and test.fail", () => {
    expect(builtinJobTypes.map((t) => t.name)).toEqual(["test.echo", "test.sleep", "test.fail"]);
  });

  it("test.echo returns its params as data", async () => {
    const params: JsonObject = { a: 1, nested: { b: [true, null] } };
    expect(await testEcho.run(context(params).ctx)).toEqual({ data: params });
  });

  it("test.sleep reports progress each second on the injected clock and returns when done", async () => {
    const { ctx, clock, progress, logs } = context(testSleep.parseParams({ seconds: 2.5 }));
    let done = false;
    const running = testSleep.run(ctx).then((r) => {
      done = true;
      return r;
    });
    await settle();
    expect(progress).toEqual([[0, "sleep", "0/2.5s"]]);
    await clock.advance(1000);
    expect(progress.at(-1)).toEqual([40, "sleep", "1/2.5s"]);
    await clock.advance(1000);
    expect(progress.at(-1)).toEqual([80, "sleep", "2/2.5s"]);
    expect(done).toBe(false);
    await clock.advance(500);
    expect(await running).toEqual({ data: { sleptSeconds: 2.5 } });
    expect(progress.at(-1)).toEqual([100, "sleep", "2.5/2.5s"]);
    expect(logs).toEqual(["slept 1s", "slept 2s", "slept 2.5s"]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("test.sleep stops as soon as its signal aborts and leaves no timer behind", async () => {
    const { ctx, clock, controller } = context(testSleep.parseParams({ seconds: 600 }));
    const running = testSleep.run(ctx);
    await clock.advance(1500);
    const reason = new Error("cancelled");
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(clock.pendingTimers).toBe(0);
  });

  it("test.sleep rejects bad seconds as a validation failure", () => {
    expect(() => testSleep.parseParams({ seconds: -1 })).toThrow(ValidationFailure);
    expect(() => testSleep.parseParams({})).toThrow(/seconds must be a number/);
    expect(testSleep.parseParams({ seconds: 0 })).toEqual({ seconds: 0 });
  });

  it("test.fail throws PROVIDER_ERROR by default and a ValidationFailure when asked, logging first", async () => {
    const provider = context(testFail.parseParams({ message: "boom" }));
    await expect(testFail.run(provider.ctx)).rejects.toSatisfy((e) => e instanceof Error && !(e instanceof ValidationFailure) && e.message === "boom");
    expect(provider.logs).toEqual(["test.fail: failing with PROVIDER_ERROR: boom"]);

    const validation = context(testFail.parseParams({ code: "VALIDATION_ERROR", message: "bad input" }));
    await expect(testFail.run(validation.ctx)).rejects.toBeInstanceOf(ValidationFailure);
    expect(() => testFail.parseParams({ code: "NOPE" })).toThrow(ValidationFailure);
  });
});
