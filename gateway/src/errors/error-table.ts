/**
 * The gateway's one table from a jobplane ErrorCode to its REST name and
 * HTTP status. The control plane keeps its own copy (Connect code, HTTP,
 * retryable) in control-plane/src/domain/error-table.ts; components share only
 * proto/, so the gateway restates the HTTP half here with the same numbers,
 * and error-table.test.ts pins them. Keyed by every ErrorCode: a code added to
 * errors.proto fails to compile until it has a row.
 *
 * A few failures exist only in HTTP, before any RPC is made (a body that is
 * too large, the wrong content type, a method the route does not have, a
 * plain GET on the WebSocket endpoint), or on the hop to the control plane
 * (it did not answer in time). They get codes of their own in
 * TRANSPORT_ERRORS rather than bending a proto code to a status it does not
 * have elsewhere.
 *
 * The control plane being unreachable is the proto's UNAVAILABLE (503 with
 * Retry-After: the request never reached it, so a retry is safe). Its not
 * answering within the unary deadline is UPSTREAM_TIMEOUT (504, no
 * Retry-After): the request may or may not have taken effect, which is the
 * difference between gRPC's Unavailable and DeadlineExceeded, and which a
 * client retrying a POST needs to know (resubmit with the same idempotencyKey).
 */
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";

export interface HttpErrorInfo {
  /** The code as REST clients see it in `error.code`. */
  readonly name: string;
  readonly http: number;
}

export const errorTable = {
  [ErrorCode.UNSPECIFIED]: { name: "INTERNAL_ERROR", http: 500 },
  [ErrorCode.UNAUTHORIZED]: { name: "UNAUTHORIZED", http: 401 },
  [ErrorCode.FORBIDDEN]: { name: "FORBIDDEN", http: 403 },
  [ErrorCode.VALIDATION_ERROR]: { name: "VALIDATION_ERROR", http: 400 },
  [ErrorCode.INVALID_JOB_TYPE]: { name: "INVALID_JOB_TYPE", http: 400 },
  [ErrorCode.INSUFFICIENT_CREDITS]: { name: "INSUFFICIENT_CREDITS", http: 402 },
  [ErrorCode.PLAN_LIMIT]: { name: "PLAN_LIMIT", http: 403 },
  // Carries Retry-After (seconds, from ErrorDetail.retry_after_ms), like UNAVAILABLE.
  [ErrorCode.RATE_LIMITED]: { name: "RATE_LIMITED", http: 429 },
  [ErrorCode.NOT_FOUND]: { name: "NOT_FOUND", http: 404 },
  [ErrorCode.CONFLICT]: { name: "CONFLICT", http: 409 },
  [ErrorCode.PROVIDER_ERROR]: { name: "PROVIDER_ERROR", http: 502 },
  [ErrorCode.PROVIDER_TIMEOUT]: { name: "PROVIDER_TIMEOUT", http: 504 },
  [ErrorCode.DISPATCH_EXHAUSTED]: { name: "DISPATCH_EXHAUSTED", http: 503 },
  [ErrorCode.INTERNAL_ERROR]: { name: "INTERNAL_ERROR", http: 500 },
  // The control plane (or its database) is unreachable; always carries Retry-After (rest-error.ts).
  [ErrorCode.UNAVAILABLE]: { name: "UNAVAILABLE", http: 503 },
} as const satisfies Record<ErrorCode, HttpErrorInfo>;

/** HTTP-only failures: refusals before calling the control plane, and a call that timed out. */
export const TRANSPORT_ERRORS = {
  METHOD_NOT_ALLOWED: { name: "METHOD_NOT_ALLOWED", http: 405 },
  PAYLOAD_TOO_LARGE: { name: "PAYLOAD_TOO_LARGE", http: 413 },
  UNSUPPORTED_MEDIA_TYPE: { name: "UNSUPPORTED_MEDIA_TYPE", http: 415 },
  UPGRADE_REQUIRED: { name: "UPGRADE_REQUIRED", http: 426 },
  UPSTREAM_TIMEOUT: { name: "UPSTREAM_TIMEOUT", http: 504 },
} as const satisfies Record<string, HttpErrorInfo>;

export type TransportErrorName = keyof typeof TRANSPORT_ERRORS;

/** Every `error.code` a REST client can see (the OpenAPI document's enum). */
export const REST_ERROR_CODES: readonly string[] = [
  ...new Set([...Object.values(errorTable), ...Object.values(TRANSPORT_ERRORS)].map((e) => e.name)),
];

/**
 * The row for a code. A value outside the enum (a newer control plane's
 * code) is reported as INTERNAL_ERROR rather than crashing the mapping.
 */
export function httpErrorInfo(code: ErrorCode): HttpErrorInfo {
  return (errorTable as Partial<Record<number, HttpErrorInfo>>)[code] ?? errorTable[ErrorCode.INTERNAL_ERROR];
}
