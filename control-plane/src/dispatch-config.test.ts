import { describe, expect, it } from "vitest";
import { readDispatchPlaneConfig } from "./dispatch-config.js";

describe("readDispatchPlaneConfig", () => {
  it("defaults to 4 deliveries with 5 s, 30 s, 120 s backoff and 1 s passes", () => {
    const c = readDispatchPlaneConfig({});
    expect(c).toMatchObject({
      natsPrefix: "",
      maxDeliver: 4,
      backoffMs: [5000, 30000, 120000],
      dispatchIntervalMs: 1000,
      relayIntervalMs: 1000,
      eventsMaxAgeMs: 7 * 24 * 3600_000,
    });
  });

  it("reads short backoffs for tests", () => {
    expect(readDispatchPlaneConfig({ JOBPLANE_DISPATCH_BACKOFF_MS: "100, 200,400" }).backoffMs).toEqual([100, 200, 400]);
  });

  it("refuses a backoff list NATS 2.9 would reject", () => {
    expect(() => readDispatchPlaneConfig({ JOBPLANE_DISPATCH_BACKOFF_MS: "1,2,3,4" })).toThrow(/fewer than/);
    expect(() => readDispatchPlaneConfig({ JOBPLANE_DISPATCH_BACKOFF_MS: "1,x" })).toThrow(/JOBPLANE_DISPATCH_BACKOFF_MS/);
  });

  it("refuses a prefix that would break subjects", () => {
    expect(() => readDispatchPlaneConfig({ JOBPLANE_NATS_PREFIX: "a.b" })).toThrow(/JOBPLANE_NATS_PREFIX/);
  });
});
