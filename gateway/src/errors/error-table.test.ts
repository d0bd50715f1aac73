import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { errorTable, httpErrorInfo, REST_ERROR_CODES, TRANSPORT_ERRORS } from "./error-table.js";

describe("gateway error table", () => {
  it("pins the HTTP status of every ErrorCode (the control plane's numbers)", () => {
    const byName = Object.fromEntries(Object.values(errorTable).map((e) => [e.name, e.http]));
    expect(byName).toEqual({
      UNAUTHORIZED: 401,
      FORBIDDEN: 403,
      VALIDATION_ERROR: 400,
      INVALID_JOB_TYPE: 400,
      INSUFFICIENT_CREDITS: 402,
      PLAN_LIMIT: 403,
      RATE_LIMITED: 429,
      NOT_FOUND: 404,
      CONFLICT: 409,
      PROVIDER_ERROR: 502,
      PROVIDER_TIMEOUT: 504,
      DISPATCH_EXHAUSTED: 503,
      INTERNAL_ERROR: 500,
      UNAVAILABLE: 503,
    });
    expect(errorTable[ErrorCode.UNSPECIFIED]).toEqual({ name: "INTERNAL_ERROR", http: 500 });
  });

  it("has a row for every enum value and names each after it", () => {
    const values = Object.values(ErrorCode).filter((v): v is number => typeof v === "number");
    for (const value of values) {
      const row = errorTable[value as ErrorCode];
      expect(row, `row for ${ErrorCode[value]}`).toBeDefined();
      if (value !== ErrorCode.UNSPECIFIED) expect(row.name).toBe(ErrorCode[value]);
    }
  });

  it("reports an unknown (newer) code as INTERNAL_ERROR 500", () => {
    expect(httpErrorInfo(999 as ErrorCode)).toEqual({ name: "INTERNAL_ERROR", http: 500 });
  });

  it("keeps HTTP-only codes apart from the proto's and lists all in REST_ERROR_CODES", () => {
    expect(Object.values(TRANSPORT_ERRORS).map((e) => [e.name, e.http])).toEqual([
      ["METHOD_NOT_ALLOWED", 405],
      ["PAYLOAD_TOO_LARGE", 413],
      ["UNSUPPORTED_MEDIA_TYPE", 415],
      ["UPGRADE_REQUIRED", 426],
      ["UPSTREAM_TIMEOUT", 504],
    ]);
    for (const name of Object.keys(TRANSPORT_ERRORS)) expect(ErrorCode[name as keyof typeof ErrorCode]).toBeUndefined();
    expect(REST_ERROR_CODES).toHaveLength(14 + 5);
  });
});
