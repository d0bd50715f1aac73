import { describe, expect, it } from "vitest";
import { MAX_STEP_CHARS, normalizeProgress } from "./report-progress.js";

describe("normalizeProgress", () => {
  it("clamps the percent into 0–100 and cuts long texts", () => {
    expect(normalizeProgress({ percent: 150, step: "s", message: "m" })).toEqual({ percent: 100, step: "s", message: "m" });
    expect(normalizeProgress({ percent: -1, step: "", message: "" }).percent).toBe(0);
    expect(normalizeProgress({ percent: Number.NaN, step: "", message: "" }).percent).toBe(0);
    expect(normalizeProgress({ percent: 42.5, step: "x".repeat(500), message: "" }).step).toHaveLength(MAX_STEP_CHARS);
  });
});
