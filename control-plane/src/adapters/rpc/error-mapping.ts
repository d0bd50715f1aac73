/**
 * Turns whatever a handler throws into the ConnectError a client sees.
 * DomainError → its code's Connect code (error-table.ts) with an ErrorDetail
 * carrying the jobplane ErrorCode; ConnectErrors raised by the framework
 * itself (malformed request, unknown method) pass through with an ErrorDetail
 * added; PostgreSQL being unreachable (connection refused, session
 * terminated: postgres/connection-failure.ts) → UNAVAILABLE with a fixed
 * message and retry_after_ms, the cause logged; anything else →
 * INTERNAL_ERROR with a fixed message, the cause logged and never sent.
 * Streams are covered too: an error thrown while a server stream is being
 * iterated goes through the same mapping.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import { ErrorCode, ErrorDetailSchema } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { DomainError } from "../../domain/domain-error.js";
import { errorTable } from "../../domain/error-table.js";
import { isConnectionFailure } from "../postgres/connection-failure.js";

export interface ErrorLogger {
  error(obj: object, msg: string): void;
}

/** The ErrorCode to report for a ConnectError the framework raised on its own. */
const CODE_FOR_CONNECT: Partial<Record<Code, ErrorCode>> = {
  [Code.InvalidArgument]: ErrorCode.VALIDATION_ERROR,
  [Code.Unauthenticated]: ErrorCode.UNAUTHORIZED,
  [Code.PermissionDenied]: ErrorCode.FORBIDDEN,
  [Code.NotFound]: ErrorCode.NOT_FOUND,
  [Code.Unimplemented]: ErrorCode.NOT_FOUND,
  [Code.ResourceExhausted]: ErrorCode.RATE_LIMITED,
  [Code.Unavailable]: ErrorCode.UNAVAILABLE,
};

/** How long a caller is asked to wait after UNAVAILABLE: long enough not to hammer a restarting database. */
export const UNAVAILABLE_RETRY_AFTER_MS = 1000;

function fromDomainError(err: DomainError): ConnectError {
  const detail = create(ErrorDetailSchema, {
    code: err.code,
    message: err.message,
    retryAfterMs: BigInt(err.retryAfterMs ?? 0),
    violations: err.violations.map((v) => ({ path: v.path, description: v.description })),
    metadata: { ...err.metadata },
  });
  const headers = new Headers();
  if (err.retryAfterMs !== undefined) headers.set("retry-after", String(Math.ceil(err.retryAfterMs / 1000)));
  return new ConnectError(err.message, errorTable[err.code].connect, headers, [{ desc: ErrorDetailSchema, value: detail }], err);
}

export function toConnectError(err: unknown, logger: ErrorLogger, procedure: string): ConnectError {
  if (err instanceof DomainError) return fromDomainError(err);
  if (err instanceof ConnectError && err.code !== Code.Internal && err.code !== Code.Unknown) {
    if (err.findDetails(ErrorDetailSchema).length > 0) return err;
    const code = CODE_FOR_CONNECT[err.code] ?? ErrorCode.INTERNAL_ERROR;
    const detail = create(ErrorDetailSchema, { code, message: err.rawMessage });
    return new ConnectError(err.rawMessage, err.code, err.metadata, [{ desc: ErrorDetailSchema, value: detail }], err);
  }
  if (isConnectionFailure(err)) {
    // Logged like an internal error (operators must see it), but the caller learns it is worth a retry.
    logger.error({ err, procedure }, "database unreachable");
    const message = "the database is unreachable; retry later";
    return fromDomainError(new DomainError(ErrorCode.UNAVAILABLE, message, { retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS, cause: err }));
  }
  logger.error({ err, procedure }, "internal error");
  const detail = create(ErrorDetailSchema, { code: ErrorCode.INTERNAL_ERROR, message: "internal error" });
  return new ConnectError("internal error", Code.Internal, undefined, [{ desc: ErrorDetailSchema, value: detail }]);
}

/** A Connect interceptor applying toConnectError to unary calls and streams. */
export function errorMappingInterceptor(logger: ErrorLogger): Interceptor {
  return (next) => async (req) => {
    const procedure = `${req.service.typeName}/${req.method.name}`;
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: mapStreamErrors(res, logger, procedure) } as StreamResponse;
    } catch (err) {
      throw toConnectError(err, logger, procedure);
    }
  };
}

async function* mapStreamErrors(res: StreamResponse, logger: ErrorLogger, procedure: string): AsyncIterable<unknown> {
  try {
    yield* res.message;
  } catch (err) {
    throw toConnectError(err, logger, procedure);
  }
}
