/**
 * The REST error envelope and how every failure becomes one:
 *
 *   {"error": {"code": "VALIDATION_ERROR", "message": "…", "details": {…}}}
 *
 * `details` carries what the control plane's ErrorDetail carries, renamed for
 * JSON: `violations` [{path, description}], `retryAfterMs`, `metadata`.
 * Unknown errors become INTERNAL_ERROR with a fixed message: the cause is
 * logged by the caller, never sent. A control plane that cannot be reached is
 * UNAVAILABLE (503, Retry-After), one that did not answer in time
 * UPSTREAM_TIMEOUT (504); see error-table.ts for why they differ.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorCode, ErrorDetailSchema, type ErrorDetail } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { errorTable, httpErrorInfo, TRANSPORT_ERRORS, type TransportErrorName } from "./error-table.js";

export interface Violation {
  readonly path: string;
  readonly description: string;
}

export interface RestErrorDetails {
  violations?: Violation[];
  retryAfterMs?: number;
  metadata?: Record<string, string>;
}

/** An error ready to be sent: HTTP status, code, message, details. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: RestErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RestError";
  }

  /** The body the client receives. */
  envelope(): { error: { code: string; message: string; details: RestErrorDetails } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }

  /** Retry-After in whole seconds (at least 1), for 429s. */
  retryAfterSeconds(): number | undefined {
    if (this.details.retryAfterMs === undefined) return undefined;
    return Math.max(1, Math.ceil(this.details.retryAfterMs / 1000));
  }
}

/** What UNAVAILABLE asks the client to wait when the control plane named no time (Retry-After: 1). */
export const UNAVAILABLE_RETRY_AFTER_MS = 1000;

/**
 * A RestError for a proto ErrorCode, with the status from the table.
 * UNAVAILABLE always carries retryAfterMs (so a Retry-After header).
 */
export function restError(code: ErrorCode, message: string, details: RestErrorDetails = {}): RestError {
  const info = httpErrorInfo(code);
  const withRetry = code === ErrorCode.UNAVAILABLE && details.retryAfterMs === undefined ? { ...details, retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS } : details;
  return new RestError(info.http, info.name, message, withRetry);
}

/** A RestError for a transport-only failure (405, 413, 415, 426, 504). */
export function transportError(name: TransportErrorName, message: string): RestError {
  return new RestError(TRANSPORT_ERRORS[name].http, name, message);
}

export function validationError(violations: Violation[], message = "the request is invalid"): RestError {
  return restError(ErrorCode.VALIDATION_ERROR, message, { violations });
}

export function notFoundError(message: string): RestError {
  return restError(ErrorCode.NOT_FOUND, message);
}

/**
 * The ErrorCode for a ConnectError that carries no ErrorDetail (raised by the
 * transport or by a framework, not by jobplane's handlers). Unavailable is
 * what connect-node raises when the HTTP/2 session to the control plane
 * cannot be opened or breaks (refused, reset, unknown host). Anything not
 * listed (DeadlineExceeded aside, see toRestError) is an INTERNAL_ERROR to
 * the REST client.
 */
const CODE_FOR_CONNECT: Partial<Record<Code, ErrorCode>> = {
  [Code.InvalidArgument]: ErrorCode.VALIDATION_ERROR,
  [Code.Unauthenticated]: ErrorCode.UNAUTHORIZED,
  [Code.PermissionDenied]: ErrorCode.FORBIDDEN,
  [Code.NotFound]: ErrorCode.NOT_FOUND,
  [Code.ResourceExhausted]: ErrorCode.RATE_LIMITED,
  [Code.Unavailable]: ErrorCode.UNAVAILABLE,
};

const MESSAGE_FOR_CONNECT: Partial<Record<Code, string>> = {
  [Code.Unavailable]: "the control plane is unavailable; retry later",
};

function detailsOf(detail: ErrorDetail): RestErrorDetails {
  const details: RestErrorDetails = {};
  if (detail.violations.length > 0) {
    details.violations = detail.violations.map((v) => ({ path: v.path, description: v.description }));
  }
  if (detail.retryAfterMs > 0n) details.retryAfterMs = Number(detail.retryAfterMs);
  if (Object.keys(detail.metadata).length > 0) details.metadata = { ...detail.metadata };
  return details;
}

/** Whether toRestError would hide this error's cause (so the caller should log it). */
export function isUnexpected(err: unknown): boolean {
  return toRestError(err).code === errorTable[ErrorCode.INTERNAL_ERROR].name && !(err instanceof RestError);
}

/**
 * Any thrown value → the RestError to send. RestErrors pass through; a
 * ConnectError with an ErrorDetail keeps its code, message and details; one
 * without gets a code from its Connect code; the rest are INTERNAL_ERROR.
 */
export function toRestError(err: unknown): RestError {
  if (err instanceof RestError) return err;
  if (err instanceof ConnectError) {
    const [detail] = err.findDetails(ErrorDetailSchema);
    if (detail && detail.code !== ErrorCode.UNSPECIFIED) {
      return restError(detail.code, detail.message || err.rawMessage, detailsOf(detail));
    }
    const code = CODE_FOR_CONNECT[err.code];
    // The transport's own message ("connect ECONNREFUSED 10.0.0.7:7070") would name internal addresses.
    if (code !== undefined) return restError(code, MESSAGE_FOR_CONNECT[err.code] ?? err.rawMessage);
    if (err.code === Code.DeadlineExceeded) {
      return transportError("UPSTREAM_TIMEOUT", "the control plane did not answer in time; the request may or may not have taken effect");
    }
  }
  return restError(ErrorCode.INTERNAL_ERROR, "internal error");
}
