import { describe, expect, it } from "vitest";
import { decideAttemptOutcome, describeFailure, type AttemptContext } from "./webhook-attempt-outcome.js";

const ctx: AttemptContext = {
  attempts: 1,
  maxAttempts: 3,
  isTest: false,
  endpointActive: true,
  consecutiveFailures: 0,
  disableAfterFailures: 5,
  retry: { baseMs: 1000, maxMs: 60_000 },
  random: () => 1,
};

describe("decideAttemptOutcome", () => {
  it("marks a 2xx delivered and restarts the endpoint's failure run", () => {
    for (const statusCode of [200, 204, 299]) {
      expect(decideAttemptOutcome({ statusCode, error: "" }, { ...ctx, consecutiveFailures: 3 })).toEqual({
        ok: true,
        delivery: { kind: "delivered" },
        lastError: null,
        endpoint: { kind: "resetRun" },
      });
    }
  });

  it("schedules a retry after the backoff while attempts remain", () => {
    const outcome = decideAttemptOutcome({ statusCode: 500, error: "" }, { ...ctx, attempts: 2 });
    expect(outcome).toEqual({
      ok: false,
      delivery: { kind: "retry", delayMs: 2000 },
      lastError: "HTTP 500",
      endpoint: { kind: "extendRun", consecutiveFailures: 1, disabledReason: null },
    });
  });

  it("fails the delivery when the attempts are used up", () => {
    const outcome = decideAttemptOutcome({ statusCode: 0, error: "connection refused" }, { ...ctx, attempts: 3 });
    expect(outcome.delivery).toEqual({ kind: "failed" });
    expect(outcome.lastError).toBe("connection refused");
  });

  it("counts 1xx and 3xx as failures", () => {
    expect(decideAttemptOutcome({ statusCode: 302, error: "" }, ctx).ok).toBe(false);
    expect(decideAttemptOutcome({ statusCode: 100, error: "" }, ctx).ok).toBe(false);
  });

  it("disables the endpoint when the run reaches the configured length", () => {
    const outcome = decideAttemptOutcome({ statusCode: 500, error: "" }, { ...ctx, consecutiveFailures: 4 });
    expect(outcome.endpoint).toEqual({
      kind: "extendRun",
      consecutiveFailures: 5,
      disabledReason: "disabled after 5 consecutive failed attempts; last: HTTP 500",
    });
  });

  it("disables the endpoint at once on 410 Gone", () => {
    expect(decideAttemptOutcome({ statusCode: 410, error: "" }, ctx).endpoint).toEqual({
      kind: "extendRun",
      consecutiveFailures: 1,
      disabledReason: "the endpoint answered 410 Gone",
    });
  });

  it("keeps the reason of an endpoint that is already inactive", () => {
    const outcome = decideAttemptOutcome({ statusCode: 410, error: "" }, { ...ctx, endpointActive: false, consecutiveFailures: 9 });
    expect(outcome.endpoint).toEqual({ kind: "extendRun", consecutiveFailures: 10, disabledReason: null });
  });

  it("never lets a webhook.test touch the endpoint", () => {
    const test = { ...ctx, isTest: true, consecutiveFailures: 4 };
    expect(decideAttemptOutcome({ statusCode: 410, error: "" }, test).endpoint).toEqual({ kind: "unchanged" });
    expect(decideAttemptOutcome({ statusCode: 200, error: "" }, test).endpoint).toEqual({ kind: "unchanged" });
  });
});

describe("describeFailure", () => {
  it("prefers the status, adding the error when both are given", () => {
    expect(describeFailure({ statusCode: 503, error: "" })).toBe("HTTP 503");
    expect(describeFailure({ statusCode: 503, error: "busy" })).toBe("HTTP 503: busy");
    expect(describeFailure({ statusCode: 0, error: "timeout after 10000 ms" })).toBe("timeout after 10000 ms");
    expect(describeFailure({ statusCode: 0, error: "" })).toBe("no answer");
  });
});
