import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrorCode, ErrorDetailSchema } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { insufficientCredits, rateLimited, validationError } from "../../domain/domain-error.js";
import { toConnectError } from "./error-mapping.js";

function recordingLogger() {
  const logged: object[] = [];
  return { logged, error: (obj: object) => void logged.push(obj) };
}

describe("toConnectError", () => {
  it("maps a DomainError through the error table and carries the code in details", () => {
    const err = toConnectError(insufficientCredits(3, 10), recordingLogger(), "p");
    expect(err.code).toBe(Code.FailedPrecondition);
    const [detail] = err.findDetails(ErrorDetailSchema);
    expect(detail?.code).toBe(ErrorCode.INSUFFICIENT_CREDITS);
  });

  it("carries violations and retry-after", () => {
    const invalid = toConnectError(validationError([{ path: "/width", description: "must be integer" }]), recordingLogger(), "p");
    expect(invalid.findDetails(ErrorDetailSchema)[0]?.violations).toEqual([
      expect.objectContaining({ path: "/width", description: "must be integer" }),
    ]);
    const limited = toConnectError(rateLimited(1500), recordingLogger(), "p");
    expect(limited.code).toBe(Code.ResourceExhausted);
    expect(limited.findDetails(ErrorDetailSchema)[0]?.retryAfterMs).toBe(1500n);
    expect(limited.metadata.get("retry-after")).toBe("2");
  });

  it("hides unknown errors behind INTERNAL_ERROR and logs the cause", () => {
    const logger = recordingLogger();
    const err = toConnectError(new Error("password=hunter2 leaked"), logger, "p");
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toBe("internal error");
    expect(err.findDetails(ErrorDetailSchema)[0]?.code).toBe(ErrorCode.INTERNAL_ERROR);
    expect(logger.logged).toHaveLength(1);
  });

  it("answers PostgreSQL being unreachable with UNAVAILABLE and a retry hint, cause logged but not sent", () => {
    const logger = recordingLogger();
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:5432"), { code: "ECONNREFUSED" });
    const err = toConnectError(refused, logger, "jobplane.v1.JobService/ListJobs");
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toBe("the database is unreachable; retry later");
    const [detail] = err.findDetails(ErrorDetailSchema);
    expect([detail?.code, detail?.retryAfterMs]).toEqual([ErrorCode.UNAVAILABLE, 1000n]);
    expect(err.metadata.get("retry-after")).toBe("1");
    expect(detail?.message).toBe("the database is unreachable; retry later");
    expect(logger.logged).toEqual([{ err: refused, procedure: "jobplane.v1.JobService/ListJobs" }]);

    const terminated = toConnectError(new Error("Connection terminated unexpectedly"), recordingLogger(), "p");
    expect(terminated.findDetails(ErrorDetailSchema)[0]?.code).toBe(ErrorCode.UNAVAILABLE);
  });

  it("adds a detail to the framework's own errors", () => {
    const err = toConnectError(new ConnectError("bad message", Code.InvalidArgument), recordingLogger(), "p");
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(ErrorDetailSchema)[0]?.code).toBe(ErrorCode.VALIDATION_ERROR);
    const down = toConnectError(new ConnectError("upstream down", Code.Unavailable), recordingLogger(), "p");
    expect([down.code, down.findDetails(ErrorDetailSchema)[0]?.code]).toEqual([Code.Unavailable, ErrorCode.UNAVAILABLE]);
  });
});
