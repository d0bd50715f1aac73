/**
 * The gateway's Prometheus metrics: requests by route template and status,
 * latency by route (streams excluded: their duration is the client's
 * choice), and the live SSE and WebSocket client counts.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"route" | "method" | "status">;
  readonly latency: Histogram<"route" | "method">;
  readonly sseStreams: Gauge;
  readonly wsClients: Gauge;
  readonly wsClosed: Counter<"reason">;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: "jobplane_gateway_http_requests_total",
      help: "HTTP requests by route template, method and status",
      labelNames: ["route", "method", "status"] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: "jobplane_gateway_http_request_duration_seconds",
      help: "HTTP request latency by route template (streams excluded)",
      labelNames: ["route", "method"] as const,
      buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    sseStreams: new Gauge({ name: "jobplane_gateway_sse_streams", help: "Open SSE streams", registers: [registry] }),
    wsClients: new Gauge({ name: "jobplane_gateway_ws_clients", help: "Open WebSocket clients", registers: [registry] }),
    wsClosed: new Counter({
      name: "jobplane_gateway_ws_closed_total",
      help: "WebSocket clients closed, by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
  };
}
