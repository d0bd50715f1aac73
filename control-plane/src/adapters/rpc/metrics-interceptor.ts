/**
 * Prometheus metrics for every RPC: a counter by procedure and outcome code,
 * and a latency histogram for unary calls (streams live as long as clients
 * watch, so their duration says nothing about the server).
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { Counter, Histogram, type Registry } from "prom-client";

export function metricsInterceptor(registry: Registry): Interceptor {
  const calls = new Counter({
    name: "jobplane_rpc_calls_total",
    help: "RPC calls by procedure and Connect code",
    labelNames: ["procedure", "code"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "jobplane_rpc_duration_seconds",
    help: "Unary RPC latency",
    labelNames: ["procedure"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return (next) => async (req) => {
    const procedure = `${req.service.typeName}/${req.method.name}`;
    const stop = req.stream ? undefined : latency.startTimer({ procedure });
    try {
      const res = await next(req);
      calls.inc({ procedure, code: "ok" });
      return res;
    } catch (err) {
      calls.inc({ procedure, code: Code[ConnectError.from(err).code] ?? "unknown" });
      throw err;
    } finally {
      stop?.();
    }
  };
}
