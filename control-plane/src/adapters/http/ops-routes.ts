/**
 * Operational endpoints every jobplane process serves: /healthz for load
 * balancers and orchestrators, /metrics for Prometheus.
 */
import type http from "node:http";
import type http2 from "node:http2";
import type { Registry } from "prom-client";

export interface HealthCheck {
  readonly name: string;
  /** Resolves when the dependency answers; rejects with the reason otherwise. */
  check(): Promise<void>;
}

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

/**
 * Returns a handler that answers /healthz and /metrics and returns false for
 * any other path so the caller can route it elsewhere.
 */
export function createOpsRoutes(opts: {
  registry: Registry;
  checks: readonly HealthCheck[];
  isDraining: () => boolean;
}): (req: Req, res: Res) => boolean {
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      void answerHealth(res, opts.checks, opts.isDraining());
      return true;
    }
    if (path === "/metrics") {
      void opts.registry.metrics().then((body) => send(res, 200, opts.registry.contentType, body));
      return true;
    }
    return false;
  };
}

async function answerHealth(res: Res, checks: readonly HealthCheck[], draining: boolean): Promise<void> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        await c.check();
        return [c.name, "ok"] as const;
      } catch (err) {
        return [c.name, err instanceof Error ? err.message : String(err)] as const;
      }
    }),
  );
  const healthy = !draining && results.every(([, r]) => r === "ok");
  const body = { status: healthy ? "ok" : draining ? "draining" : "unhealthy", checks: Object.fromEntries(results) };
  send(res, healthy ? 200 : 503, "application/json", JSON.stringify(body));
}

/** The part of the HTTP/1.1 and HTTP/2 response APIs both share. */
interface PlainResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

export function send(res: object, status: number, contentType: string, body: string): void {
  const plain = res as unknown as PlainResponse;
  plain.statusCode = status;
  plain.setHeader("content-type", contentType);
  plain.end(body);
}
