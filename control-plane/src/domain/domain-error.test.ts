import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import {
  DomainError,
  conflict,
  forbidden,
  insufficientCredits,
  notFound,
  planLimit,
  rateLimited,
  unauthorized,
  validationError,
} from "./domain-error.js";

describe("DomainError", () => {
  it("is an Error with a code and empty details by default", () => {
    const e = new DomainError(ErrorCode.CONFLICT, "nope");
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(DomainError);
    expect(e.name).toBe("DomainError");
    expect(e.message).toBe("nope");
    expect(e.code).toBe(ErrorCode.CONFLICT);
    expect(e.retryAfterMs).toBeUndefined();
    expect(e.violations).toEqual([]);
    expect(e.metadata).toEqual({});
    expect("cause" in e).toBe(false);
    expect(e.stack).toContain("DomainError");
  });

  it("keeps the cause with the standard Error.cause", () => {
    const root = new Error("serialization failure");
    const e = new DomainError(ErrorCode.CONFLICT, "lost the race", { cause: root });
    expect(e.cause).toBe(root);
    expect(conflict("again", root).cause).toBe(root);
  });

  it("copies details so later changes to the caller's arrays do not leak in", () => {
    const violations = [{ path: "/a", description: "bad" }];
    const metadata: Record<string, string> = { k: "v" };
    const e = new DomainError(ErrorCode.VALIDATION_ERROR, "x", { violations, metadata });
    violations.push({ path: "/b", description: "worse" });
    metadata.k = "changed";
    expect(e.violations).toEqual([{ path: "/a", description: "bad" }]);
    expect(e.metadata).toEqual({ k: "v" });
  });
});

describe("factories", () => {
  it("conflict / notFound / unauthorized / forbidden", () => {
    expect(conflict("cannot cancel a job that is complete")).toMatchObject({
      code: ErrorCode.CONFLICT,
      message: "cannot cancel a job that is complete",
    });
    expect(notFound("job job_0123456789abcdef")).toMatchObject({
      code: ErrorCode.NOT_FOUND,
      message: "job job_0123456789abcdef not found",
    });
    expect(unauthorized("unknown API key")).toMatchObject({ code: ErrorCode.UNAUTHORIZED });
    expect(forbidden("org suspended")).toMatchObject({ code: ErrorCode.FORBIDDEN });
  });

  it("validationError lists the violations and summarises the first", () => {
    const e = validationError([
      { path: "/params/width", description: "must be >= 1" },
      { path: "/params/height", description: "is required" },
    ]);
    expect(e.code).toBe(ErrorCode.VALIDATION_ERROR);
    expect(e.violations).toHaveLength(2);
    expect(e.message).toBe("invalid request: /params/width must be >= 1 (and 1 more)");
    expect(validationError([]).message).toBe("invalid request");
  });

  it("insufficientCredits carries both numbers in metadata", () => {
    const e = insufficientCredits(40, 100);
    expect(e.code).toBe(ErrorCode.INSUFFICIENT_CREDITS);
    expect(e.metadata).toEqual({ available: "40", needed: "100" });
    expect(e.message).toBe("insufficient credits: 100 needed, 40 available");
  });

  it("planLimit names the limit", () => {
    const e = planLimit("concurrency", "plan allows 2 running jobs");
    expect(e).toMatchObject({ code: ErrorCode.PLAN_LIMIT, message: "plan allows 2 running jobs" });
    expect(e.metadata).toEqual({ limit: "concurrency" });
  });

  it("rateLimited carries a whole, non-negative retryAfterMs", () => {
    expect(rateLimited(1500)).toMatchObject({ code: ErrorCode.RATE_LIMITED, retryAfterMs: 1500 });
    expect(rateLimited(12.2).retryAfterMs).toBe(13);
    expect(rateLimited(-5).retryAfterMs).toBe(0);
    expect(rateLimited(Number.NaN).retryAfterMs).toBe(0);
  });
});
