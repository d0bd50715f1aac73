import { describe, expect, it } from "vitest";
import { defineJobType, validationError, ValidationFailure } from "./job-type-definition.js";

describe("defineJobType", () => {
  it("returns a typed definition whose parseParams defaults to the JSON itself", async () => {
    const t = defineJobType({ name: "acme.resize", maxExecutionSeconds: 30, run: async () => ({ data: { ok: true } }) });
    expect(t).toMatchObject({ name: "acme.resize", description: "", paramsSchema: undefined, maxExecutionSeconds: 30 });
    expect(t.parseParams({ w: 1 })).toEqual({ w: 1 });
  });

  it("uses the given parseParams for the handler's own params type", () => {
    const t = defineJobType<{ width: number }>({
      name: "acme.resize",
      maxExecutionSeconds: 30,
      parseParams: (raw) => ({ width: Number(raw.width) }),
      run: async (ctx) => ({ data: { width: ctx.params.width } }),
    });
    expect(t.parseParams({ width: "12" })).toEqual({ width: 12 });
  });

  it("rejects bad names and execution limits", () => {
    expect(() => defineJobType({ name: "Bad Name", maxExecutionSeconds: 1, run: async () => undefined })).toThrow(/invalid job type name/);
    expect(() => defineJobType({ name: "ok", maxExecutionSeconds: 0, run: async () => undefined })).toThrow(/maxExecutionSeconds/);
    expect(() => defineJobType({ name: "ok", maxExecutionSeconds: 1.5, run: async () => undefined })).toThrow(/maxExecutionSeconds/);
  });

  it("validationError builds a ValidationFailure with its violations", () => {
    const err = validationError("bad", [{ path: "/params/x", description: "must be positive" }]);
    expect(err).toBeInstanceOf(ValidationFailure);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("ValidationFailure");
    expect(err.violations).toEqual([{ path: "/params/x", description: "must be positive" }]);
  });
});
