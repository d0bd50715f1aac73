import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { planRefusal, type JobTypeCaps, type PlanCaps } from "./plan-rules.js";

const free: PlanCaps = { name: "free", maxInputBytes: 100, maxExecutionSeconds: 300 };
const thumbnail: JobTypeCaps = { name: "thumbnail", allowedPlans: ["free", "pro"], maxExecutionSeconds: 120 };

describe("planRefusal", () => {
  it("allows a type of the plan within its limits", () => {
    expect(planRefusal(free, thumbnail, [{ name: "a", sizeBytes: 60 }, { name: "b", sizeBytes: 40 }])).toBeUndefined();
  });

  it("refuses a type the plan does not list (limit=job_types)", () => {
    const err = planRefusal(free, { ...thumbnail, name: "transcode", allowedPlans: ["pro"] }, []);
    expect(err?.code).toBe(ErrorCode.PLAN_LIMIT);
    expect(err?.metadata).toEqual({ limit: "job_types" });
    expect(err?.message).toMatch(/free plan does not include job type "transcode"/);
  });

  it("refuses one oversized input and an oversized sum (limit=max_input_bytes)", () => {
    const one = planRefusal(free, thumbnail, [{ name: "big", sizeBytes: 101 }]);
    expect(one?.metadata).toEqual({ limit: "max_input_bytes", max: "100" });
    expect(one?.message).toMatch(/input "big"/);
    const sum = planRefusal(free, thumbnail, [{ name: "a", sizeBytes: 60 }, { name: "b", sizeBytes: 41 }]);
    expect(sum?.metadata).toEqual({ limit: "max_input_bytes", max: "100" });
    expect(sum?.message).toMatch(/101 bytes in all/);
  });

  it("refuses a type that may run longer than the plan allows (limit=max_execution_seconds)", () => {
    const err = planRefusal(free, { ...thumbnail, maxExecutionSeconds: 301 }, []);
    expect(err?.metadata).toEqual({ limit: "max_execution_seconds", max: "300" });
  });

  it("checks the type before sizes and sizes before execution time", () => {
    const everything = { name: "x", allowedPlans: ["pro"], maxExecutionSeconds: 9999 };
    expect(planRefusal(free, everything, [{ name: "a", sizeBytes: 1e9 }])?.metadata.limit).toBe("job_types");
    expect(
      planRefusal(free, { ...everything, allowedPlans: ["free"] }, [{ name: "a", sizeBytes: 1e9 }])?.metadata.limit,
    ).toBe("max_input_bytes");
  });
});
