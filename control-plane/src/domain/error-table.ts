/**
 * The one table from jobplane ErrorCode to Connect code, HTTP status and
 * retryable flag. The RPC interceptor reads `connect`, the gateway reads
 * `http`, and a job's `error.retryable` comes from `retryable`. Keyed by every
 * ErrorCode, so a new code in errors.proto fails to compile until it has a row.
 *
 * `retryable` means "the same request (or, for job failures, a manual retry
 * of the same job) may succeed later without the caller changing anything".
 */
import { Code } from "@connectrpc/connect";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";

/** How one ErrorCode travels over Connect and HTTP. */
export interface ErrorInfo {
  readonly connect: Code;
  readonly http: number;
  readonly retryable: boolean;
}

export const errorTable = {
  // Never sent on purpose; if it leaks, it is a server bug of unknown kind.
  [ErrorCode.UNSPECIFIED]: { connect: Code.Unknown, http: 500, retryable: false },
  // Missing/unknown/revoked credential: the standard "who are you" pair.
  [ErrorCode.UNAUTHORIZED]: { connect: Code.Unauthenticated, http: 401, retryable: false },
  // Known caller lacking scope, or suspended org: the standard "not allowed" pair.
  [ErrorCode.FORBIDDEN]: { connect: Code.PermissionDenied, http: 403, retryable: false },
  // Bad request or job input; the caller must change it. On jobs: bad input file, not retryable.
  [ErrorCode.VALIDATION_ERROR]: { connect: Code.InvalidArgument, http: 400, retryable: false },
  // The job type named in the request is not in the catalog: an invalid argument, not a missing resource.
  [ErrorCode.INVALID_JOB_TYPE]: { connect: Code.InvalidArgument, http: 400, retryable: false },
  // Account state blocks the request until topped up (FailedPrecondition); 402 Payment Required for REST.
  [ErrorCode.INSUFFICIENT_CREDITS]: { connect: Code.FailedPrecondition, http: 402, retryable: false },
  // The org's plan forbids it until the plan or workload changes: a precondition, not a credential
  // problem (PermissionDenied would read like FORBIDDEN) and not a rate (ResourceExhausted is kept
  // for RATE_LIMITED so "back off and retry" clients do not loop on it); 403 for REST.
  [ErrorCode.PLAN_LIMIT]: { connect: Code.FailedPrecondition, http: 403, retryable: false },
  // Requests/minute exceeded; retry after retry_after_ms. The one request error that is retryable.
  [ErrorCode.RATE_LIMITED]: { connect: Code.ResourceExhausted, http: 429, retryable: true },
  // Missing or another org's resource (never reveal which).
  [ErrorCode.NOT_FOUND]: { connect: Code.NotFound, http: 404, retryable: false },
  // Disallowed transition (e.g. cancel a complete job): the resource's state must change first,
  // which gRPC's guidance calls FailedPrecondition (Aborted is for retry-the-whole-sequence races); 409 for REST.
  [ErrorCode.CONFLICT]: { connect: Code.FailedPrecondition, http: 409, retryable: false },
  // Job failure on the provider (mostly seen on jobs, not as RPC errors): bad gateway, may pass on retry.
  [ErrorCode.PROVIDER_ERROR]: { connect: Code.Unavailable, http: 502, retryable: true },
  // Job exceeded its max execution time or its agent went silent: gateway timeout, may pass on retry.
  [ErrorCode.PROVIDER_TIMEOUT]: { connect: Code.DeadlineExceeded, http: 504, retryable: true },
  // No agent took the job after every delivery: service unavailable, may pass once agents return.
  [ErrorCode.DISPATCH_EXHAUSTED]: { connect: Code.Unavailable, http: 503, retryable: true },
  // Unexpected server error; cause logged, never sent. Not marked retryable: we cannot know.
  [ErrorCode.INTERNAL_ERROR]: { connect: Code.Internal, http: 500, retryable: false },
  // A dependency (PostgreSQL here, the control plane for the gateway) cannot be reached: gRPC's
  // "transient, retry with backoff" code and HTTP's 503 (with Retry-After); retryable by definition.
  [ErrorCode.UNAVAILABLE]: { connect: Code.Unavailable, http: 503, retryable: true },
} as const satisfies Record<ErrorCode, ErrorInfo>;

const ERROR_CODE_NAMES = {
  [ErrorCode.UNSPECIFIED]: "UNSPECIFIED",
  [ErrorCode.UNAUTHORIZED]: "UNAUTHORIZED",
  [ErrorCode.FORBIDDEN]: "FORBIDDEN",
  [ErrorCode.VALIDATION_ERROR]: "VALIDATION_ERROR",
  [ErrorCode.INVALID_JOB_TYPE]: "INVALID_JOB_TYPE",
  [ErrorCode.INSUFFICIENT_CREDITS]: "INSUFFICIENT_CREDITS",
  [ErrorCode.PLAN_LIMIT]: "PLAN_LIMIT",
  [ErrorCode.RATE_LIMITED]: "RATE_LIMITED",
  [ErrorCode.NOT_FOUND]: "NOT_FOUND",
  [ErrorCode.CONFLICT]: "CONFLICT",
  [ErrorCode.PROVIDER_ERROR]: "PROVIDER_ERROR",
  [ErrorCode.PROVIDER_TIMEOUT]: "PROVIDER_TIMEOUT",
  [ErrorCode.DISPATCH_EXHAUSTED]: "DISPATCH_EXHAUSTED",
  [ErrorCode.INTERNAL_ERROR]: "INTERNAL_ERROR",
  [ErrorCode.UNAVAILABLE]: "UNAVAILABLE",
} as const satisfies Record<ErrorCode, string>;

/** The name REST and the database use, e.g. "INSUFFICIENT_CREDITS" (no ERROR_CODE_ prefix). */
export type ErrorCodeName = (typeof ERROR_CODE_NAMES)[ErrorCode];

const CODE_BY_NAME: ReadonlyMap<string, ErrorCode> = new Map(
  (Object.entries(ERROR_CODE_NAMES) as [string, ErrorCodeName][]).map(([value, name]) => [
    name,
    Number(value) as ErrorCode,
  ]),
);

/**
 * The row for a code. A value outside the enum (an open enum from a newer
 * peer) gets the UNSPECIFIED row rather than undefined.
 */
export function errorInfo(code: ErrorCode): ErrorInfo {
  return (errorTable as Partial<Record<number, ErrorInfo>>)[code] ?? errorTable[ErrorCode.UNSPECIFIED];
}

/** "INSUFFICIENT_CREDITS" for ErrorCode.INSUFFICIENT_CREDITS; "UNSPECIFIED" for unknown values. */
export function errorCodeName(code: ErrorCode): ErrorCodeName {
  return (ERROR_CODE_NAMES as Partial<Record<number, ErrorCodeName>>)[code] ?? "UNSPECIFIED";
}

/**
 * The inverse of errorCodeName: exact upper-case names without the
 * ERROR_CODE_ prefix; undefined for anything else.
 */
export function parseErrorCodeName(text: string): ErrorCode | undefined {
  return CODE_BY_NAME.get(text);
}
