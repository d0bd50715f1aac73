/**
 * The REST error envelope and how every failure becomes one:
 *
 *   {"error": {"code": "VALIDATION_ERROR", "message": "…", "details": {…}}}
 *
 * `details` carries what the control plane's ErrorDetail carries, renamed for
 * JSON: `violations` [{path, description}], `retryAfterMs`, `metadata`.
 * Unknown errors become INTERNAL_ERROR with a fixed message: the cause is
 * logged by the caller, never sent.
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

/** A RestError for a proto ErrorCode, with the status from the table. */
export function restError(code: ErrorCode, message: string, details: RestErrorDetails = {}): RestError {
  const info = httpErrorInfo(code);
  return new RestError(info.http, info.name, message, details);
}

/** A RestError for a transport-only refusal (405, 413, 415, 426). */
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
 * transport or by a framework, not by jobplane's handlers). Anything not
 * listed — including Unavailable when the control plane is down — is an
 * INTERNAL_ERROR to the REST client.
 */
const CODE_FOR_CONNECT: Partial<Record<Code, ErrorCode>> = {
  [Code.InvalidArgument]: ErrorCode.VALIDATION_ERROR,
  [Code.Unauthenticated]: ErrorCode.UNAUTHORIZED,
  [Code.PermissionDenied]: ErrorCode.FORBIDDEN,
  [Code.NotFound]: ErrorCode.NOT_FOUND,
  [Code.ResourceExhausted]: ErrorCode.RATE_LIMITED,
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
    if (code !== undefined) return restError(code, err.rawMessage);
    // No ErrorCode says "upstream down"; the message at least tells the caller it is worth a retry.
    if (err.code === Code.Unavailable) return restError(ErrorCode.INTERNAL_ERROR, "the control plane is unavailable; retry later");
    if (err.code === Code.DeadlineExceeded) return restError(ErrorCode.INTERNAL_ERROR, "the control plane did not answer in time");
  }
  return restError(ErrorCode.INTERNAL_ERROR, "internal error");
}
