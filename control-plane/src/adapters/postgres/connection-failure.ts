/**
 * Is a thrown error PostgreSQL being unreachable, rather than something wrong
 * with the query or the data? The RPC error mapping answers those with
 * UNAVAILABLE (503, retry with backoff) instead of INTERNAL_ERROR, so callers
 * and their retry policies can tell "the database is down or restarting" from
 * "a bug". Pure: it reads only the error's own fields.
 *
 * What a failure looks like, by where it happens (seen with pg 8 under
 * MikroORM 7, which copies the driver error's fields onto a DriverException):
 *   - the pool cannot open a connection: `code` is a socket errno
 *     (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, ENOTFOUND, …);
 *   - the server ends a session: a SQLSTATE in `code`: class 08 (connection
 *     exception), 57P01 admin_shutdown (pg_terminate_backend, fast shutdown),
 *     57P02 crash_shutdown, 57P03 cannot_connect_now (starting up / shutting
 *     down), 53300 too_many_connections;
 *   - pg itself notices a dead socket: no code at all, only the message
 *     ("Connection terminated unexpectedly", "… due to connection timeout",
 *     pg-pool's "timeout exceeded when trying to connect", "Client has
 *     encountered a connection error and is not queryable"). These messages
 *     are the library's, stable across pg 8; matching them is the only way.
 *
 * The cause chain and an AggregateError's `errors` (Node's happy-eyeballs
 * connect to a name with several addresses) are searched a few levels deep.
 */

const SOCKET_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

const SERVER_STATES: ReadonlySet<string> = new Set(["57P01", "57P02", "57P03", "53300"]);

const DRIVER_MESSAGES: readonly RegExp[] = [
  /^Connection terminated\b/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
];

const MAX_DEPTH = 4;

function isFailureCode(code: unknown): boolean {
  if (typeof code !== "string") return false;
  return SOCKET_CODES.has(code) || SERVER_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code);
}

/** True when `err` (or a cause within a few levels) says PostgreSQL could not be reached or dropped the session. */
export function isConnectionFailure(err: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH || typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (isFailureCode(e.code)) return true;
  if (typeof e.message === "string" && DRIVER_MESSAGES.some((re) => re.test(e.message as string))) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isConnectionFailure(inner, depth + 1))) return true;
  return isConnectionFailure(e.cause, depth + 1);
}
