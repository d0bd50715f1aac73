import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { errorCodeName, errorInfo, errorTable, parseErrorCodeName } from "./error-table.js";

const CODES: ErrorCode[] = Object.values(ErrorCode).filter(
  (v): v is ErrorCode => typeof v === "number",
);

describe("errorTable", () => {
  it("has exactly one row per ErrorCode, each a 4xx/5xx status", () => {
    expect(CODES).toHaveLength(15);
    expect(Object.keys(errorTable).map(Number).sort((a, b) => a - b)).toEqual(
      [...CODES].sort((a, b) => a - b),
    );
    for (const code of CODES) {
      const info = errorInfo(code);
      expect(info.http, errorCodeName(code)).toBeGreaterThanOrEqual(400);
      expect(info.http, errorCodeName(code)).toBeLessThan(600);
      expect(Object.values(Code)).toContain(info.connect);
      expect(info.connect).not.toBe(Code.Canceled);
    }
  });

  it("maps the codes clients depend on", () => {
    const view = Object.fromEntries(
      CODES.map((c) => [errorCodeName(c), [Code[errorInfo(c).connect], errorInfo(c).http, errorInfo(c).retryable]]),
    );
    expect(view).toEqual({
      UNSPECIFIED: ["Unknown", 500, false],
      UNAUTHORIZED: ["Unauthenticated", 401, false],
      FORBIDDEN: ["PermissionDenied", 403, false],
      VALIDATION_ERROR: ["InvalidArgument", 400, false],
      INVALID_JOB_TYPE: ["InvalidArgument", 400, false],
      INSUFFICIENT_CREDITS: ["FailedPrecondition", 402, false],
      PLAN_LIMIT: ["FailedPrecondition", 403, false],
      RATE_LIMITED: ["ResourceExhausted", 429, true],
      NOT_FOUND: ["NotFound", 404, false],
      CONFLICT: ["FailedPrecondition", 409, false],
      PROVIDER_ERROR: ["Unavailable", 502, true],
      PROVIDER_TIMEOUT: ["DeadlineExceeded", 504, true],
      DISPATCH_EXHAUSTED: ["Unavailable", 503, true],
      INTERNAL_ERROR: ["Internal", 500, false],
      UNAVAILABLE: ["Unavailable", 503, true],
    });
  });

  it("falls back to the UNSPECIFIED row for a value outside the enum", () => {
    expect(errorInfo(99 as ErrorCode)).toEqual(errorTable[ErrorCode.UNSPECIFIED]);
  });
});

describe("errorCodeName / parseErrorCodeName", () => {
  it("matches the enum member name, without the ERROR_CODE_ prefix", () => {
    for (const code of CODES) expect(errorCodeName(code)).toBe(ErrorCode[code]);
    expect(errorCodeName(ErrorCode.INSUFFICIENT_CREDITS)).toBe("INSUFFICIENT_CREDITS");
  });

  it("round-trips every code", () => {
    for (const code of CODES) expect(parseErrorCodeName(errorCodeName(code))).toBe(code);
  });

  it("accepts only the exact names", () => {
    for (const text of ["ERROR_CODE_CONFLICT", "conflict", "9", "", "toString", "__proto__"]) {
      expect(parseErrorCodeName(text), text).toBeUndefined();
    }
    expect(errorCodeName(99 as ErrorCode)).toBe("UNSPECIFIED");
  });
});
