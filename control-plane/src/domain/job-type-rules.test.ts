import { describe, expect, it } from "vitest";
import { checkJobTypeDefinition, type JobTypeDefinition } from "./job-type-rules.js";

const PLANS = new Set(["free", "pro"]);
const def: JobTypeDefinition = {
  name: "acme.resize_v2",
  description: "",
  paramsSchema: { type: "object", properties: { width: { type: "integer" } } },
  maxExecutionSeconds: 60,
  queueTtlSeconds: 600,
  baseCredits: 1,
  creditsPerSecond: 2,
  allowedPlans: ["pro"],
};

describe("checkJobTypeDefinition", () => {
  it("accepts a sound definition", () => {
    expect(checkJobTypeDefinition(def, PLANS)).toEqual([]);
    expect(checkJobTypeDefinition({ ...def, baseCredits: 0, creditsPerSecond: 0, allowedPlans: [] }, PLANS)).toEqual([]);
  });

  it("enforces the name pattern", () => {
    for (const name of ["", "Upper", "1abc", "has space", "a*", `a${"b".repeat(64)}`]) {
      expect(checkJobTypeDefinition({ ...def, name }, PLANS).map((v) => v.path), name).toEqual(["/name"]);
    }
    expect(checkJobTypeDefinition({ ...def, name: `a${"b".repeat(63)}` }, PLANS)).toEqual([]);
  });

  it("reports every problem with its path under the prefix", () => {
    const violations = checkJobTypeDefinition(
      {
        ...def,
        paramsSchema: { type: "nope" },
        maxExecutionSeconds: 0,
        queueTtlSeconds: 1.5,
        baseCredits: -1,
        creditsPerSecond: 0.5,
        allowedPlans: ["pro", "gold"],
      },
      PLANS,
      "/jobType",
    );
    expect(violations.map((v) => v.path)).toEqual([
      "/jobType/paramsSchema",
      "/jobType/maxExecutionSeconds",
      "/jobType/queueTtlSeconds",
      "/jobType/baseCredits",
      "/jobType/creditsPerSecond",
      "/jobType/allowedPlans/1",
    ]);
    expect(violations[0]?.description).toMatch(/not a valid JSON Schema/);
    expect(violations[5]?.description).toMatch(/known: free, pro/);
  });

  it("refuses prices whose full-length estimate is not exact", () => {
    const v = checkJobTypeDefinition({ ...def, creditsPerSecond: Number.MAX_SAFE_INTEGER, maxExecutionSeconds: 2 }, PLANS);
    expect(v.map((x) => x.path)).toEqual(["/creditsPerSecond"]);
  });
});
