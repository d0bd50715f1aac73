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
 * plain GET on the WebSocket endpoint). They get codes of their own in
 * TRANSPORT_ERRORS rather than bending a proto code to a status it does not
 * have elsewhere.
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
  // The one code that carries Retry-After (seconds, from ErrorDetail.retry_after_ms).
  [ErrorCode.RATE_LIMITED]: { name: "RATE_LIMITED", http: 429 },
  [ErrorCode.NOT_FOUND]: { name: "NOT_FOUND", http: 404 },
  [ErrorCode.CONFLICT]: { name: "CONFLICT", http: 409 },
  [ErrorCode.PROVIDER_ERROR]: { name: "PROVIDER_ERROR", http: 502 },
  [ErrorCode.PROVIDER_TIMEOUT]: { name: "PROVIDER_TIMEOUT", http: 504 },
  [ErrorCode.DISPATCH_EXHAUSTED]: { name: "DISPATCH_EXHAUSTED", http: 503 },
  [ErrorCode.INTERNAL_ERROR]: { name: "INTERNAL_ERROR", http: 500 },
} as const satisfies Record<ErrorCode, HttpErrorInfo>;

/** HTTP-only refusals the gateway makes before calling the control plane. */
export const TRANSPORT_ERRORS = {
  METHOD_NOT_ALLOWED: { name: "METHOD_NOT_ALLOWED", http: 405 },
  PAYLOAD_TOO_LARGE: { name: "PAYLOAD_TOO_LARGE", http: 413 },
  UNSUPPORTED_MEDIA_TYPE: { name: "UNSUPPORTED_MEDIA_TYPE", http: 415 },
  UPGRADE_REQUIRED: { name: "UPGRADE_REQUIRED", http: 426 },
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
