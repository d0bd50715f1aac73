/**
 * The gateway's Prometheus metrics: requests by route template and status,
 * latency by route (streams excluded: their duration is the client's
 * choice), and the live SSE and WebSocket client counts; and the webhook
 * deliverer's intake, attempts and control-plane failures.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"route" | "method" | "status">;
  readonly latency: Histogram<"route" | "method">;
  readonly sseStreams: Gauge;
  readonly wsClients: Gauge;
  readonly wsClosed: Counter<"reason">;
  readonly webhooks: WebhookMetrics;
}

export interface WebhookMetrics {
  /** Stream messages by what became of them: enqueued, skipped (type not deliverable), undecodable, retried (enqueue failed, nak'd). */
  readonly events: Counter<"outcome">;
  /** Deliveries EnqueueWebhookEvents reported as new. */
  readonly deliveriesCreated: Counter;
  /** POSTs by outcome: delivered (2xx), http_error, timeout, network, refused, aborted. */
  readonly attempts: Counter<"outcome">;
  readonly attemptDuration: Histogram<"outcome">;
  /** POSTs (and their reports) in flight. */
  readonly inFlight: Gauge;
  /** Failed WebhookDeliveryService calls (enqueue, claim, report); each is retried. */
  readonly rpcFailures: Counter<"rpc">;
}

function createWebhookMetrics(registry: Registry): WebhookMetrics {
  return {
    events: new Counter({
      name: "jobplane_gateway_webhook_events_total",
      help: "JOBPLANE_EVENTS messages read by the webhook intake, by outcome",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    deliveriesCreated: new Counter({
      name: "jobplane_gateway_webhook_deliveries_created_total",
      help: "Webhook deliveries created by the events this gateway enqueued",
      registers: [registry],
    }),
    attempts: new Counter({
      name: "jobplane_gateway_webhook_attempts_total",
      help: "Webhook POSTs by outcome",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    attemptDuration: new Histogram({
      name: "jobplane_gateway_webhook_attempt_duration_seconds",
      help: "Webhook POST duration by outcome",
      labelNames: ["outcome"] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    inFlight: new Gauge({ name: "jobplane_gateway_webhook_in_flight", help: "Webhook POSTs in flight", registers: [registry] }),
    rpcFailures: new Counter({
      name: "jobplane_gateway_webhook_rpc_failures_total",
      help: "Failed WebhookDeliveryService calls by RPC (each is retried)",
      labelNames: ["rpc"] as const,
      registers: [registry],
    }),
  };
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
    webhooks: createWebhookMetrics(registry),
  };
}
