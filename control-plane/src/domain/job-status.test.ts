import { describe, expect, it } from "vitest";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { isTerminal, parseStatusName, statusName } from "./job-status.js";

const STATUSES: JobStatus[] = Object.values(JobStatus).filter(
  (v): v is JobStatus => typeof v === "number",
);

describe("statusName / parseStatusName", () => {
  it("uses the stored lowercase names", () => {
    expect(Object.fromEntries(STATUSES.map((s) => [JobStatus[s], statusName(s)]))).toEqual({
      UNSPECIFIED: "unspecified",
      WAITING: "waiting",
      DISPATCHED: "dispatched",
      RUNNING: "running",
      COMPLETE: "complete",
      FAILED: "failed",
      CANCELLED: "cancelled",
    });
  });

  it("round-trips every status", () => {
    for (const s of STATUSES) expect(parseStatusName(statusName(s))).toBe(s);
  });

  it("accepts only the exact names", () => {
    for (const text of ["WAITING", " waiting", "", "1", "toString", "__proto__", "canceled"]) {
      expect(parseStatusName(text), text).toBeUndefined();
    }
  });

  it("names an unknown enum value unspecified", () => {
    expect(statusName(42 as JobStatus)).toBe("unspecified");
  });
});

describe("isTerminal", () => {
  it("is true for complete, failed and cancelled only", () => {
    expect(STATUSES.filter(isTerminal).map(statusName).sort()).toEqual([
      "cancelled",
      "complete",
      "failed",
    ]);
    expect(isTerminal(42 as JobStatus)).toBe(false);
  });
});
