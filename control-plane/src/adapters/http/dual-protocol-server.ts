/**
 * One TCP port that speaks both HTTP/2 with prior knowledge (h2c: gRPC,
 * Connect bidi streams, agents) and HTTP/1.1 (curl, browsers, gRPC-Web).
 *
 * Node's http2 server accepts HTTP/1.1 fallback only over TLS (ALPN), so for
 * cleartext we look at the first bytes of each connection: an HTTP/2 client
 * must open with the fixed preface "PRI * HTTP/2.0\r\n…", which no HTTP/1.1
 * request line can start with. The bytes we read are put back before the
 * socket is handed to the matching server.
 */
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

export type DualRequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface DualProtocolServer {
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Stops accepting connections, lets in-flight requests finish for up to
   * `graceMs`, then destroys what is left.
   */
  close(graceMs: number): Promise<void>;
}

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0");

export function createDualProtocolServer(handler: DualRequestHandler): DualProtocolServer {
  let closing = false;
  // Node tracks idle HTTP/1.1 connections only for servers that listen
  // themselves; ours is fed sockets, so count in-flight requests per socket.
  const inFlight = new Map<net.Socket, number>();
  const h1 = http.createServer((req, res) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    if (closing) res.setHeader("connection", "close");
    res.once("close", () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.destroy();
    });
    handler(req, res);
  });
  const h2 = http2.createServer({}, handler);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  /** Sockets handed to the HTTP/2 server; their sessions close gracefully on their own. */
  const h2Sockets = new WeakSet<net.Socket>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      inFlight.delete(socket);
    });
    sniff(socket, (isH2) => {
      if (isH2) h2Sockets.add(socket);
      (isH2 ? h2 : h1).emit("connection", socket);
    });
  });

  return {
    listen(port, host = "0.0.0.0") {
      return new Promise((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(port, host, () => {
          tcp.off("error", reject);
          resolve((tcp.address() as net.AddressInfo).port);
        });
      });
    },
    async close(graceMs) {
      closing = true;
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const session of sessions) session.close();
      for (const socket of sockets) {
        if (!h2Sockets.has(socket) && !inFlight.get(socket)) socket.destroy();
      }
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}

/** Reads just enough of the connection to tell h2c from HTTP/1.1, then puts it back. */
function sniff(socket: net.Socket, route: (isH2: boolean) => void): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const matchesSoFar = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (matchesSoFar && seen.length < H2_PREFACE.length) return;
    socket.off("data", onData);
    socket.pause();
    socket.unshift(seen);
    route(matchesSoFar);
    // The HTTP/1.1 server reads through 'data' events, so it needs the socket
    // flowing again; http2 reads the put-back bytes itself and must find the
    // socket paused, or they would be emitted as 'data' to no one.
    if (!matchesSoFar) socket.resume();
  };
  socket.on("data", onData);
  socket.on("error", () => socket.destroy());
}
