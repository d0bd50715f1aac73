import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { JobTypeSchema } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import type { CatalogJobType } from "../../app/job-catalog.js";
import { jobTypeFromProto, jobTypeToProto } from "./job-type-proto.js";

const stored: CatalogJobType = {
  name: "test.sleep",
  description: "sleeps",
  paramsSchema: { type: "object", required: ["seconds"], properties: { seconds: { type: "number" } } },
  maxExecutionSeconds: 300,
  queueTtlSeconds: 600,
  baseCredits: 1,
  creditsPerSecond: 2,
  allowedPlans: ["free", "pro"],
  version: "2026-11-29T10:00:00.123456+00:00",
};

describe("job type ↔ proto", () => {
  it("round-trips a definition", () => {
    const message = jobTypeToProto(stored);
    expect(message.baseCredits).toBe(1n);
    expect(message.creditsPerSecond).toBe(2n);
    expect(message.paramsSchema).toEqual(stored.paramsSchema);
    const { version: _version, ...definition } = stored;
    expect(jobTypeFromProto(message)).toEqual(definition);
  });

  it("reads an unset schema as the empty schema and keeps huge prices unsafe for the checks to refuse", () => {
    const def = jobTypeFromProto(create(JobTypeSchema, { name: "x", baseCredits: 2n ** 60n }));
    expect(def.paramsSchema).toEqual({});
    expect(Number.isSafeInteger(def.baseCredits)).toBe(false);
  });
});
