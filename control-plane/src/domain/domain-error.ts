/**
 * The one error type domain and app code throw on purpose. It carries the
 * jobplane ErrorCode and the machine-readable parts of ErrorDetail
 * (retry_after_ms, violations, metadata); the RPC interceptor turns it into a
 * ConnectError and the gateway into an HTTP envelope, both through
 * error-table.ts. Anything that is not a DomainError becomes INTERNAL_ERROR
 * there, its cause logged and never sent. Clients match on `code`, never on
 * `message`.
 */
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";

/** One invalid field: a JSON pointer or dotted path, and what is wrong with it. */
export interface Violation {
  readonly path: string;
  readonly description: string;
}

export interface DomainErrorOptions {
  /** For RATE_LIMITED and UNAVAILABLE: how long to wait before retrying, in whole milliseconds. */
  readonly retryAfterMs?: number;
  /** For VALIDATION_ERROR: each violation with its path. */
  readonly violations?: readonly Violation[];
  /** Extra facts, such as the plan limit that was hit ({ limit: "concurrency" }). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The underlying error, kept for logs (ES2022 `Error.cause`). */
  readonly cause?: unknown;
}

export class DomainError extends Error {
  override readonly name = "DomainError";
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly violations: readonly Violation[];
  readonly metadata: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, options: DomainErrorOptions = {}) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.violations = Object.freeze([...(options.violations ?? [])]);
    this.metadata = Object.freeze({ ...options.metadata });
  }
}

/** The request conflicts with the resource's current state (e.g. a refused transition). */
export function conflict(message: string, cause?: unknown): DomainError {
  return new DomainError(ErrorCode.CONFLICT, message, cause === undefined ? {} : { cause });
}

/** `what` names the resource, e.g. `job job_0123…`; also used for other orgs' resources. */
export function notFound(what: string): DomainError {
  return new DomainError(ErrorCode.NOT_FOUND, `${what} not found`);
}

/** Invalid request or params. The message summarises; `violations` are for machines. */
export function validationError(violations: readonly Violation[]): DomainError {
  const [first] = violations;
  const summary =
    first === undefined
      ? "invalid request"
      : `invalid request: ${first.path || "/"} ${first.description}` +
        (violations.length > 1 ? ` (and ${violations.length - 1} more)` : "");
  return new DomainError(ErrorCode.VALIDATION_ERROR, summary, { violations });
}

/** Available credits (balance − held) are below the estimate; both go in metadata. */
export function insufficientCredits(available: number, needed: number): DomainError {
  return new DomainError(
    ErrorCode.INSUFFICIENT_CREDITS,
    `insufficient credits: ${needed} needed, ${available} available`,
    { metadata: { available: String(available), needed: String(needed) } },
  );
}

/** `limit` names the plan limit hit ("job_type", "input_size", "concurrency", …) for metadata.limit. */
export function planLimit(limit: string, message: string): DomainError {
  return new DomainError(ErrorCode.PLAN_LIMIT, message, { metadata: { limit } });
}

/** Requests/minute exceeded. `retryAfterMs` is rounded up to a whole non-negative millisecond. */
export function rateLimited(retryAfterMs: number): DomainError {
  const wait = Number.isFinite(retryAfterMs) ? Math.max(0, Math.ceil(retryAfterMs)) : 0;
  return new DomainError(ErrorCode.RATE_LIMITED, `rate limit exceeded; retry after ${wait} ms`, {
    retryAfterMs: wait,
  });
}

/** Missing, malformed, unknown, expired or revoked credential. */
export function unauthorized(message: string): DomainError {
  return new DomainError(ErrorCode.UNAUTHORIZED, message);
}

/** Valid credential without the scope for this call, or a suspended org. */
export function forbidden(message: string): DomainError {
  return new DomainError(ErrorCode.FORBIDDEN, message);
}
