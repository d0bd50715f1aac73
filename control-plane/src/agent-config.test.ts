import { describe, expect, it } from "vitest";
import { readAgentConfig } from "./agent-config.js";

describe("readAgentConfig", () => {
  it("has the documented defaults", () => {
    expect(readAgentConfig({})).toEqual({
      heartbeatIntervalMs: 5_000,
      heartbeatTimeoutMs: 30_000,
      progressThrottleMs: 1_000,
      sweepIntervalMs: 120_000,
    });
  });

  it("reads each variable", () => {
    expect(
      readAgentConfig({
        JOBPLANE_HEARTBEAT_INTERVAL_MS: "100",
        JOBPLANE_HEARTBEAT_TIMEOUT_MS: "500",
        JOBPLANE_PROGRESS_THROTTLE_MS: "0",
        JOBPLANE_SWEEP_INTERVAL_MS: "250",
      }),
    ).toEqual({ heartbeatIntervalMs: 100, heartbeatTimeoutMs: 500, progressThrottleMs: 0, sweepIntervalMs: 250 });
  });

  it("refuses a timeout that does not exceed the interval, and non-integers", () => {
    expect(() => readAgentConfig({ JOBPLANE_HEARTBEAT_INTERVAL_MS: "5000", JOBPLANE_HEARTBEAT_TIMEOUT_MS: "5000" })).toThrow(
      /must be greater than/,
    );
    expect(() => readAgentConfig({ JOBPLANE_SWEEP_INTERVAL_MS: "soon" })).toThrow(/JOBPLANE_SWEEP_INTERVAL_MS/);
  });
});
