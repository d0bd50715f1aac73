import { describe, expect, it } from "vitest";
import { parseAgentNotice } from "./agent-control.js";

describe("parseAgentNotice", () => {
  it("accepts a well-formed notice and refuses anything else", () => {
    expect(parseAgentNotice({ jobId: "job_1", attempt: 2, reason: "timed out" })).toEqual({
      jobId: "job_1",
      attempt: 2,
      reason: "timed out",
    });
    expect(parseAgentNotice({ jobId: "job_1", attempt: 1 })).toEqual({ jobId: "job_1", attempt: 1, reason: "" });
    for (const bad of [null, "x", {}, { jobId: "", attempt: 1 }, { jobId: "j", attempt: 0 }, { jobId: "j", attempt: 1.5 }]) {
      expect(parseAgentNotice(bad)).toBeUndefined();
    }
  });
});
