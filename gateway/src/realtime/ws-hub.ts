/**
 * GET /v1/realtime: the per-org WebSocket hub. The HTTP server hands it
 * upgrade requests; it checks the credential offered on the upgrade (header
 * or subprotocol) before switching protocols, so a bad key is a plain HTTP
 * 401 with the error envelope, and leaves clients without one to
 * authenticate by message. Each client gets its own WatchJobs stream on the
 * control plane, and for balance.updated one WatchBalance stream (both
 * multiplexed on the gateway's one HTTP/2 session); the control plane's
 * event feed already fans one reader out to all watchers of an instance,
 * and a stream per client keeps each client's resume point and each key's
 * revocation exact. One timer pings every client; a client that
 * missed the previous ping is dropped.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import { toRestError, validationError, type RestError } from "../errors/rest-error.js";
import type { GatewayMetrics } from "../ops/metrics.js";
import type { ControlPlane } from "../upstream/control-plane.js";
import { probeCredential, RealtimeSession } from "./ws-session.js";
import { authorizationFromProtocols, CLOSE, offeredProtocols, parseAfterParam, selectProtocol } from "./ws-protocol.js";

export interface HubOptions {
  readonly cp: ControlPlane;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly maxBufferedBytes: number;
  readonly pingIntervalMs: number;
  readonly authTimeoutMs: number;
}

/** Largest client message: control messages are tiny. */
const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

export interface RealtimeHub {
  /** Resolves with the HTTP status answered: 101 when the client was switched to WebSocket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, requestId: string, query: URLSearchParams): Promise<number>;
  readonly clientCount: number;
  /** Closes every client with 1001 and `reason`. */
  closeAll(reason: string): void;
  stop(): void;
}

/** Writes an HTTP error response on a socket that was asking to upgrade, then closes it; returns the status. */
export function rejectUpgrade(socket: Duplex, err: RestError, requestId: string): number {
  const body = JSON.stringify(err.envelope());
  const statusText = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 503: "Service Unavailable", 504: "Gateway Timeout" }[err.status] ?? "Error";
  const retryAfter = err.retryAfterSeconds();
  socket.end(
    `HTTP/1.1 ${err.status} ${statusText}\r\n` +
      "Content-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      (retryAfter !== undefined ? `Retry-After: ${retryAfter}\r\n` : "") +
      "Connection: close\r\n\r\n" +
      body,
  );
  return err.status;
}

export function createRealtimeHub(opts: HubOptions): RealtimeHub {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
    clientTracking: false,
    handleProtocols: (protocols) => selectProtocol(protocols),
  });
  const sessions = new Set<RealtimeSession>();

  const ping = setInterval(() => {
    for (const s of sessions) {
      if (s.awaitingPong) {
        s.terminate();
        continue;
      }
      s.awaitingPong = true;
      s.ping();
    }
  }, opts.pingIntervalMs);
  ping.unref();

  return {
    async handleUpgrade(req, socket, head, requestId, query) {
      socket.on("error", () => socket.destroy());
      const after = parseAfterParam(query);
      if (after === null) {
        return rejectUpgrade(socket, validationError([{ path: "/query/after", description: "must be a non-negative integer" }]), requestId);
      }
      const header = req.headers.authorization;
      const authorization = header ?? authorizationFromProtocols(offeredProtocols(req.headers["sec-websocket-protocol"]));
      if (authorization !== undefined) {
        try {
          await probeCredential(opts.cp, authorization, requestId);
        } catch (err) {
          const e = toRestError(err);
          if (e.code === "INTERNAL_ERROR") opts.log.error({ err, requestId }, "realtime auth probe failed");
          return rejectUpgrade(socket, e, requestId);
        }
      }
      if (socket.destroyed) return 499;
      wss.handleUpgrade(req, socket, head, (ws) => {
        const log = opts.log.child({ requestId });
        const session = new RealtimeSession(ws, {
          cp: opts.cp,
          log,
          metrics: opts.metrics,
          maxBufferedBytes: opts.maxBufferedBytes,
          authTimeoutMs: opts.authTimeoutMs,
          requestId,
        });
        sessions.add(session);
        opts.metrics.wsClients.inc();
        ws.once("close", (code) => {
          sessions.delete(session);
          opts.metrics.wsClients.dec();
          log.info({ code }, "realtime client closed");
        });
        log.info({ after: after?.toString() ?? "now", auth: header ? "header" : authorization ? "subprotocol" : "message" }, "realtime client connected");
        session.start(authorization, after ?? 0n);
      });
      return 101;
    },
    get clientCount() {
      return sessions.size;
    },
    closeAll(reason) {
      for (const s of [...sessions]) s.close(CLOSE.GOING_AWAY, reason);
    },
    stop() {
      clearInterval(ping);
      wss.close();
    },
  };
}
