import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrorCode, ErrorDetailSchema } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { isUnexpected, RestError, toRestError, transportError } from "./rest-error.js";

function connectError(code: Code, detail?: Parameters<typeof create<typeof ErrorDetailSchema>>[1]): ConnectError {
  const details = detail ? [{ desc: ErrorDetailSchema, value: create(ErrorDetailSchema, detail) }] : [];
  return new ConnectError(detail?.message ?? "raw", code, undefined, details);
}

describe("toRestError", () => {
  it("keeps the ErrorDetail's code, message, violations and metadata", () => {
    const err = toRestError(
      connectError(Code.InvalidArgument, {
        code: ErrorCode.VALIDATION_ERROR,
        message: "params are invalid",
        violations: [{ path: "/params/seconds", description: "must be a number" }],
        metadata: { limit: "x" },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.envelope()).toEqual({
      error: {
        code: "VALIDATION_ERROR",
        message: "params are invalid",
        details: { violations: [{ path: "/params/seconds", description: "must be a number" }], metadata: { limit: "x" } },
      },
    });
  });

  it("gives RATE_LIMITED a 429 and Retry-After rounded up to whole seconds", () => {
    const err = toRestError(connectError(Code.ResourceExhausted, { code: ErrorCode.RATE_LIMITED, message: "slow down", retryAfterMs: 1200n }));
    expect(err.status).toBe(429);
    expect(err.details.retryAfterMs).toBe(1200);
    expect(err.retryAfterSeconds()).toBe(2);
    expect(toRestError(connectError(Code.ResourceExhausted, { code: ErrorCode.RATE_LIMITED, message: "x", retryAfterMs: 10n })).retryAfterSeconds()).toBe(1);
  });

  it.each([
    [ErrorCode.INSUFFICIENT_CREDITS, 402],
    [ErrorCode.PLAN_LIMIT, 403],
    [ErrorCode.CONFLICT, 409],
    [ErrorCode.NOT_FOUND, 404],
    [ErrorCode.UNAUTHORIZED, 401],
  ])("maps code %s to HTTP %s", (code, status) => {
    expect(toRestError(connectError(Code.FailedPrecondition, { code, message: "m" })).status).toBe(status);
  });

  it("falls back to the Connect code when there is no ErrorDetail", () => {
    expect(toRestError(connectError(Code.Unauthenticated)).code).toBe("UNAUTHORIZED");
    expect(toRestError(connectError(Code.NotFound)).status).toBe(404);
  });

  it("answers an unreachable control plane (Unavailable, no detail) with UNAVAILABLE 503 and Retry-After, hiding the transport's message", () => {
    const down = toRestError(new ConnectError("connect ECONNREFUSED 10.0.0.7:7070", Code.Unavailable));
    expect([down.status, down.code, down.message]).toEqual([503, "UNAVAILABLE", "the control plane is unavailable; retry later"]);
    expect(down.retryAfterSeconds()).toBe(1);
    expect(down.envelope().error.details).toEqual({ retryAfterMs: 1000 });
    expect(isUnexpected(down)).toBe(false);
  });

  it("keeps the control plane's own UNAVAILABLE (database down) and its retry hint", () => {
    const err = toRestError(connectError(Code.Unavailable, { code: ErrorCode.UNAVAILABLE, message: "the database is unreachable; retry later", retryAfterMs: 2500n }));
    expect([err.status, err.code, err.message, err.retryAfterSeconds()]).toEqual([503, "UNAVAILABLE", "the database is unreachable; retry later", 3]);
    expect(toRestError(connectError(Code.Unavailable, { code: ErrorCode.UNAVAILABLE, message: "m" })).retryAfterSeconds()).toBe(1);
  });

  it("answers a deadline (no detail) with UPSTREAM_TIMEOUT 504 and no Retry-After: the outcome is unknown", () => {
    const late = toRestError(connectError(Code.DeadlineExceeded));
    expect([late.status, late.code]).toEqual([504, "UPSTREAM_TIMEOUT"]);
    expect(late.message).toMatch(/may or may not have taken effect/);
    expect(late.retryAfterSeconds()).toBeUndefined();
    expect(isUnexpected(late)).toBe(false);
  });

  it("hides other framework failures and foreign errors behind INTERNAL_ERROR (500, one table)", () => {
    expect(toRestError(connectError(Code.Internal)).message).toBe("internal error");
    expect(toRestError(connectError(Code.Internal)).status).toBe(500);
    const thrown = new TypeError("secret detail");
    expect(toRestError(thrown).envelope().error.message).toBe("internal error");
    expect(isUnexpected(thrown)).toBe(true);
    expect(isUnexpected(transportError("PAYLOAD_TOO_LARGE", "too big"))).toBe(false);
  });

  it("passes RestErrors through", () => {
    const err = new RestError(413, "PAYLOAD_TOO_LARGE", "too big");
    expect(toRestError(err)).toBe(err);
    expect(transportError("UNSUPPORTED_MEDIA_TYPE", "json only").status).toBe(415);
  });
});
