import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { agentFailureReason, MAX_DETAIL_BYTES, utf8Tail } from "./fail-job.js";

const report = { code: ErrorCode.PROVIDER_ERROR, message: "boom", detail: "", phase: JobPhase.PROCESS, cancelled: false };

describe("agentFailureReason", () => {
  it("keeps the codes an agent may report and turns any other into PROVIDER_ERROR", () => {
    for (const code of [ErrorCode.PROVIDER_ERROR, ErrorCode.VALIDATION_ERROR, ErrorCode.PROVIDER_TIMEOUT]) {
      expect(agentFailureReason({ ...report, code }).code).toBe(code);
    }
    for (const code of [ErrorCode.UNSPECIFIED, ErrorCode.INSUFFICIENT_CREDITS, ErrorCode.DISPATCH_EXHAUSTED, 999 as ErrorCode]) {
      expect(agentFailureReason({ ...report, code }).code).toBe(ErrorCode.PROVIDER_ERROR);
    }
  });

  it("defaults the phase to PROCESS and an empty message to a fixed one", () => {
    expect(agentFailureReason({ ...report, phase: JobPhase.UNSPECIFIED }).phase).toBe(JobPhase.PROCESS);
    expect(agentFailureReason({ ...report, phase: JobPhase.UPLOAD }).phase).toBe(JobPhase.UPLOAD);
    expect(agentFailureReason({ ...report, message: "  " }).message).toMatch(/without a message/);
  });

  it("keeps the last 4 KB of the detail", () => {
    const detail = agentFailureReason({ ...report, detail: "a".repeat(5000) + "END" }).detail;
    expect(Buffer.byteLength(detail)).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    expect(detail.startsWith("…")).toBe(true);
    expect(detail.endsWith("END")).toBe(true);
  });
});

describe("utf8Tail", () => {
  it("returns short text unchanged and never splits a character", () => {
    expect(utf8Tail("héllo", 100)).toBe("héllo");
    const cut = utf8Tail("€".repeat(100), 20);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(20);
    expect(cut).toMatch(/^…€+$/);
  });
});
