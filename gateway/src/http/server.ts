/**
 * The gateway's HTTP server (node:http): request id, CORS (cors.ts), routing
 * from the operation list, body reading, the error envelope, metrics and a
 * log line per request — and upgrade requests handed to the real-time hub.
 * Handlers only map requests to control-plane calls; everything that is the
 * same for every route lives here.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import { RestError, notFoundError, toRestError, transportError, validationError } from "../errors/rest-error.js";
import { operations, type OperationId, type OperationSpec } from "../openapi/operations.js";
import type { RequestValidator } from "../openapi/request-validator.js";
import type { GatewayMetrics } from "../ops/metrics.js";
import type { RealtimeHub } from "../realtime/ws-hub.js";
import { rejectUpgrade } from "../realtime/ws-hub.js";
import { corsPreflightHeaders, corsResponseHeaders, isPreflight, type CorsPolicy } from "./cors.js";
import { discardBody, readJsonBody } from "./json-body.js";
import { STREAMED, type Handler, type JsonReply, type RequestContext } from "./handler.js";
import { requestIdFor } from "./request-id.js";
import { createRouter, type Resolution } from "./router.js";

export interface GatewayServerDeps {
  /** One handler per operation: the compiler demands every route has one. */
  readonly handlers: Readonly<Record<OperationId, Handler>>;
  readonly requestValidator: RequestValidator;
  readonly hub: RealtimeHub;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  readonly maxBodyBytes: number;
  readonly isDraining: () => boolean;
  /** Which browser origins get CORS headers and preflight answers (cors.ts). */
  readonly cors: CorsPolicy;
}

/** Routes whose responses are streams: excluded from the latency histogram. */
const STREAMING: ReadonlySet<OperationId> = new Set(["streamJobEvents", "realtime"]);

function sendJson(res: ServerResponse, reply: JsonReply): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.body === undefined) {
    res.statusCode = reply.status;
    res.end();
    return;
  }
  const body = JSON.stringify(reply.body);
  res.statusCode = reply.status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(body));
  res.end(body);
}

function errorReply(err: RestError): JsonReply {
  const retryAfter = err.retryAfterSeconds();
  return { status: err.status, body: err.envelope(), headers: retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {} };
}

/** The request target as a URL; undefined when it cannot be parsed (e.g. a broken absolute-form host). */
function requestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? "/", "http://gateway.invalid");
  } catch {
    return undefined;
  }
}

/** A refused body is read and dropped up to this many times the body limit, for this long, before the connection is closed instead. */
const DISCARD_LIMIT_FACTOR = 8;
const DISCARD_TIMEOUT_MS = 5_000;

export function createGatewayServer(deps: GatewayServerDeps): http.Server {
  const route = createRouter<OperationId>(operations);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFor(req.headers["x-request-id"]);
    res.setHeader("x-request-id", requestId);
    if (deps.isDraining()) res.setHeader("connection", "close");
    const url = requestUrl(req.url);
    const method = req.method ?? "GET";
    const resolved: Resolution<OperationId> = url ? route(method, url.pathname) : { kind: "no-route" };
    const template = resolved.kind === "no-route" ? "unmatched" : resolved.template;
    const log = deps.log.child({ requestId });

    const aborted = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) aborted.abort();
    });
    res.once("close", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // 499 (nginx's "client closed request"): the client left before the response was complete.
      const status = res.writableFinished ? res.statusCode : 499;
      deps.metrics.requests.inc({ route: template, method, status: String(status) });
      if (resolved.kind !== "match" || !STREAMING.has(resolved.id)) deps.metrics.latency.observe({ route: template, method }, seconds);
      log.info({ method, route: template, status, ms: Math.round(seconds * 1000) }, "request");
    });

    // A CORS preflight on a known route is answered here (OPTIONS is no operation); with CORS off it stays a 405.
    const origin = req.headers.origin;
    const preflight = resolved.kind === "wrong-method" && isPreflight(deps.cors, method, origin, req.headers["access-control-request-method"]);
    const cors = preflight ? corsPreflightHeaders(deps.cors, origin, resolved.allowed) : corsResponseHeaders(deps.cors, origin);
    for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
    if (preflight) {
      res.statusCode = 204;
      res.end();
      return;
    }

    try {
      if (!url) throw validationError([{ path: "/", description: "the request target is not a valid URL" }], "malformed request target");
      if (resolved.kind === "no-route") throw notFoundError(`no route for ${method} ${url.pathname}`);
      if (resolved.kind === "wrong-method") {
        res.setHeader("allow", resolved.allowed.join(", "));
        throw transportError("METHOD_NOT_ALLOWED", `${method} is not allowed on ${resolved.template}; allowed: ${resolved.allowed.join(", ")}`);
      }
      const op: OperationSpec = operations[resolved.id];
      const ctx: RequestContext = {
        req,
        res,
        requestId,
        params: resolved.params,
        query: url.searchParams,
        forwarded: { authorization: req.headers.authorization, requestId, signal: aborted.signal },
        log,
        body: async <T>() => {
          const body = await readJsonBody(req, deps.maxBodyBytes);
          const violations = op.body ? deps.requestValidator.violations(op.body, body) : [];
          if (violations.length > 0) throw validationError(violations);
          return body as T;
        },
      };
      const reply = await deps.handlers[resolved.id](ctx);
      if (reply !== STREAMED) sendJson(res, reply);
    } catch (err) {
      if (aborted.signal.aborted) return; // the client went away: nobody to answer, nothing went wrong here
      const e = toRestError(err);
      if (e.code === "INTERNAL_ERROR") log.error({ err }, "request failed");
      else if (e.status === 503 || e.status === 504) log.warn({ err }, "request failed: the control plane is unreachable or slow");
      // A body left unread (413, 415, …): drop the rest so the client reads this answer; if it is
      // too long to drop, close rather than keep a connection whose next bytes are that rest.
      if (!req.complete && !(await discardBody(req, DISCARD_LIMIT_FACTOR * deps.maxBodyBytes, DISCARD_TIMEOUT_MS))) {
        res.setHeader("connection", "close");
      }
      sendJson(res, errorReply(e));
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // handle() answers its own errors; this is the last guard against an unhandled rejection.
      deps.log.error({ err }, "request handling crashed");
      if (!res.headersSent) sendJson(res, errorReply(toRestError(undefined)));
      else res.destroy();
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket, head: Buffer) => {
    const requestId = requestIdFor(req.headers["x-request-id"]);
    const url = requestUrl(req.url);
    const resolved = url ? route(req.method ?? "GET", url.pathname) : undefined;
    if (deps.isDraining()) return void socket.destroy();
    if (!url || resolved?.kind !== "match" || resolved.id !== "realtime") {
      rejectUpgrade(socket, notFoundError(`no WebSocket endpoint at ${url?.pathname ?? req.url}; use /v1/realtime`), requestId);
      return;
    }
    const count = (status: number) => deps.metrics.requests.inc({ route: resolved.template, method: "GET", status: String(status) });
    deps.hub.handleUpgrade(req, socket, head, requestId, url.searchParams).then(count, (err: unknown) => {
      deps.log.error({ err, requestId }, "upgrade failed");
      socket.destroy();
      count(500);
    });
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (err.code === "ECONNRESET" || !socket.writable) return void socket.destroy();
    const body = JSON.stringify(new RestError(400, "VALIDATION_ERROR", "malformed HTTP request").envelope());
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}
