/** `test.echo`: completes at once with its params as the output data. A no-op for end-to-end tests and benchmarks. */
import { defineJobType } from "../job-type-definition.js";

export const testEcho = defineJobType({
  name: "test.echo",
  description: "Returns its params as the job's output data.",
  paramsSchema: { type: "object" },
  maxExecutionSeconds: 60,
  async run(ctx) {
    return { data: ctx.params };
  },
});
