/**
 * `test.fail` {code?, message?}: always fails, with PROVIDER_ERROR (the
 * default) or VALIDATION_ERROR, after logging a line so the failure carries a
 * log tail as its detail.
 */
import { defineJobType, validationError } from "../job-type-definition.js";

type FailCode = "PROVIDER_ERROR" | "VALIDATION_ERROR";

export const testFail = defineJobType<{ code: FailCode; message: string }>({
  name: "test.fail",
  description: "Fails with params.code (PROVIDER_ERROR or VALIDATION_ERROR) and params.message.",
  paramsSchema: {
    type: "object",
    properties: {
      code: { enum: ["PROVIDER_ERROR", "VALIDATION_ERROR"] },
      message: { type: "string" },
    },
  },
  maxExecutionSeconds: 60,
  parseParams(raw) {
    const code = raw.code ?? "PROVIDER_ERROR";
    if (code !== "PROVIDER_ERROR" && code !== "VALIDATION_ERROR") {
      const description = 'must be "PROVIDER_ERROR" or "VALIDATION_ERROR"';
      throw validationError(`code ${description}`, [{ path: "/params/code", description }]);
    }
    const message = typeof raw.message === "string" && raw.message ? raw.message : "test.fail failed on purpose";
    return { code, message };
  },
  async run(ctx) {
    ctx.log(`test.fail: failing with ${ctx.params.code}: ${ctx.params.message}`);
    if (ctx.params.code === "VALIDATION_ERROR") throw validationError(ctx.params.message);
    throw new Error(ctx.params.message);
  },
});
