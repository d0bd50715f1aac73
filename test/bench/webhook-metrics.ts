/**
 * Where a webhook phase's time went, from the /metrics of its gateway and
 * control plane (both fresh per phase, so the counters cover the phase
 * alone): POSTs by outcome and their mean duration, the intake's events,
 * the three WebhookDeliveryService RPCs (calls and mean latency as the
 * control plane measured them), failed RPCs, and the gateway's event-loop
 * delay. A delivery holds one of the gateway's slots for its POST and its
 * report, so concurrency / (POST + report) bounds the delivery rate.
 */
import { promMean, promValue } from "./prom-text.js";

export interface RpcFigure {
  readonly calls: number;
  readonly meanMs: number;
}

export interface WebhookMetrics {
  readonly gateway: {
    readonly attempts: number;
    readonly delivered: number;
    /** Mean POST duration of the delivered attempts (connect … response), ms. */
    readonly postMeanMs: number;
    /** JOBPLANE_EVENTS messages enqueued / skipped (types that are never delivered). */
    readonly eventsEnqueued: number;
    readonly eventsSkipped: number;
    readonly deliveriesCreated: number;
    readonly rpcFailures: number;
    /** prom-client's monitorEventLoopDelay since the previous scrape (the only one: the phase). */
    readonly eventLoopDelayP99Ms: number;
    readonly eventLoopDelayMaxMs: number;
  };
  /** WebhookDeliveryService as the control plane served it. */
  readonly controlPlane: {
    readonly enqueue: RpcFigure;
    readonly claim: RpcFigure;
    readonly report: RpcFigure;
  };
}

const RPC = "jobplane_rpc_duration_seconds";
const SERVICE = "jobplane.v1.WebhookDeliveryService";

function rpc(text: string, method: string): RpcFigure {
  const procedure = `${SERVICE}/${method}`;
  return { calls: promValue(text, `${RPC}_count`, { procedure }), meanMs: promMean(text, RPC, { procedure }, 1000) };
}

const metricsText = async (url: string) => (await fetch(`${url}/metrics`)).text();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Scrapes both once the gateway has nothing in flight (the last POSTs' reports
 * done), waiting up to `settleMs` for that.
 */
export async function scrapeWebhookMetrics(gatewayUrl: string, controlPlaneUrl: string, settleMs = 5000): Promise<WebhookMetrics> {
  const deadline = Date.now() + settleMs;
  // prom-client resets the event-loop histogram on every scrape: the first one covers the phase.
  const first = await metricsText(gatewayUrl);
  let gw = first;
  while (promValue(gw, "jobplane_gateway_webhook_in_flight") > 0 && Date.now() < deadline) {
    await sleep(20);
    gw = await metricsText(gatewayUrl);
  }
  const cp = await metricsText(controlPlaneUrl);
  return {
    gateway: {
      attempts: promValue(gw, "jobplane_gateway_webhook_attempts_total"),
      delivered: promValue(gw, "jobplane_gateway_webhook_attempts_total", { outcome: "delivered" }),
      postMeanMs: promMean(gw, "jobplane_gateway_webhook_attempt_duration_seconds", { outcome: "delivered" }, 1000),
      eventsEnqueued: promValue(gw, "jobplane_gateway_webhook_events_total", { outcome: "enqueued" }),
      eventsSkipped: promValue(gw, "jobplane_gateway_webhook_events_total", { outcome: "skipped" }),
      deliveriesCreated: promValue(gw, "jobplane_gateway_webhook_deliveries_created_total"),
      rpcFailures: promValue(gw, "jobplane_gateway_webhook_rpc_failures_total"),
      eventLoopDelayP99Ms: promValue(first, "nodejs_eventloop_lag_p99_seconds") * 1000,
      eventLoopDelayMaxMs: promValue(first, "nodejs_eventloop_lag_max_seconds") * 1000,
    },
    controlPlane: {
      enqueue: rpc(cp, "EnqueueWebhookEvents"),
      claim: rpc(cp, "ClaimWebhookDeliveries"),
      report: rpc(cp, "ReportWebhookAttempt"),
    },
  };
}
