/**
 * The agent's ops port: a plain node:http server (an agent serves nothing
 * else, so no framework and no HTTP/2) answering
 *
 *   GET /healthz  200 or 503 JSON, decided by health.ts from live state
 *   GET /metrics  Prometheus text from the agent's own registry
 *   anything else 404 {"error":{"code":"NOT_FOUND","message":…}}
 *
 * HEAD is answered like GET, without the body. It listens on AGENT_OPS_HOST
 * (127.0.0.1 by default: an agent is not a public service) and logs
 * "agent ops listening" with its URL, which is how a test or an operator
 * finds a port-0 server.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isIPv6 } from "node:net";
import type { Registry } from "prom-client";
import type { AgentLogger } from "../logger.js";
import type { AgentHealth } from "./health.js";

export interface OpsServerOptions {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  /** Called per /healthz request: the current state, decided. */
  readonly health: () => AgentHealth;
  readonly registry: Registry;
  readonly logger: AgentLogger;
}

export interface OpsServer {
  /** http://host:port, with the port really bound. */
  readonly url: string;
  /** Stops listening and closes its connections; idempotent. */
  close(): Promise<void>;
}

/** How long close() lets an in-flight scrape finish before cutting its connection. */
const CLOSE_GRACE_MS = 1000;

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { logger } = options;
  const server = http.createServer((req, res) => {
    handle(options, req, res).catch((err: unknown) => {
      logger.error({ err, path: req.url }, "ops request failed");
      if (!res.headersSent) send(res, 500, "application/json", errorBody("INTERNAL_ERROR", "internal error"));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => logger.error({ err }, "ops server error"));
  const { port } = server.address() as AddressInfo;
  const url = `http://${isIPv6(options.host) ? `[${options.host}]` : options.host}:${port}`;
  logger.info({ url, endpoints: ["/healthz", "/metrics"] }, "agent ops listening");

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        cut.unref();
        server.close(() => {
          clearTimeout(cut);
          logger.info({ url }, "agent ops closed");
          resolve();
        });
        server.closeIdleConnections();
      })),
  };
}

async function handle(options: OpsServerOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? "/", "http://agent").pathname;
  const method = req.method === "HEAD" ? "GET" : req.method;
  if (method === "GET" && path === "/healthz") {
    const { httpStatus, body } = options.health();
    send(res, httpStatus, "application/json", JSON.stringify(body), { "cache-control": "no-store" });
    return;
  }
  if (method === "GET" && path === "/metrics") {
    const text = await options.registry.metrics();
    send(res, 200, options.registry.contentType, text);
    return;
  }
  send(res, 404, "application/json", errorBody("NOT_FOUND", `no ${req.method} ${path} here: the agent's ops port serves GET /healthz and GET /metrics`));
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}
