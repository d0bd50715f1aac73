/**
 * Builds a whole gateway from its config: control-plane clients, the HTTP
 * server with every route, the real-time hub, metrics — and the shutdown
 * sequence. main.ts adds only the environment, the logger and signals, so
 * tests can start a gateway in-process too.
 *
 * Webhook delivery (webhooks/) runs beside the HTTP server when
 * JOBPLANE_ADMIN_TOKEN is set; without it this gateway delivers nothing (a
 * warning says so) and only manages endpoints over REST.
 *
 * Shutdown (stop()):
 *   1. draining: /healthz answers 503 "draining", responses say Connection: close;
 *      the webhook deliverer stops claiming and reading events (in parallel
 *      with the steps below, its in-flight POSTs get shutdownGraceMs too);
 *   2. the listener closes (no new connections); idle keep-alive sockets close;
 *   3. SSE streams get `event: gateway.closing`, WebSocket clients close 1001,
 *      both with a reason telling them to resume from their last sequence;
 *   4. in-flight requests finish, up to shutdownGraceMs; then the rest are cut;
 *   5. the webhook deliverer has stopped (NATS closed);
 *   6. the control-plane session closes.
 */
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { GatewayConfig } from "./config.js";
import { createOpsRoutes } from "./http/ops-routes.js";
import { createGatewayServer } from "./http/server.js";
import { openApiDocument } from "./openapi/document.js";
import { createRequestValidator } from "./openapi/request-validator.js";
import { createGatewayMetrics } from "./ops/metrics.js";
import { createJobEventStream } from "./realtime/job-event-stream.js";
import { LiveStreams } from "./realtime/live-streams.js";
import { createRealtimeHub } from "./realtime/ws-hub.js";
import { createAccountRoutes } from "./rest/account-routes.js";
import { createJobRoutes } from "./rest/job-routes.js";
import { createWebhookRoutes } from "./rest/webhook-routes.js";
import { createControlPlane } from "./upstream/control-plane.js";
import { startWebhookDeliverer, type WebhookDeliverer } from "./webhooks/webhook-deliverer.js";

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  /** Graceful stop; resolves once every connection is closed. */
  stop(reason?: string): Promise<void>;
}

export async function startGateway(config: GatewayConfig, log: Logger): Promise<RunningGateway> {
  const cp = createControlPlane(config.controlPlaneUrl, { adminToken: config.webhooks.adminToken });
  const metrics = createGatewayMetrics();
  const streams = new LiveStreams();
  let draining = false;
  const isDraining = () => draining;
  const hub = createRealtimeHub({
    cp,
    log,
    metrics,
    maxBufferedBytes: config.streamMaxBufferedBytes,
    pingIntervalMs: config.wsPingIntervalMs,
    authTimeoutMs: config.wsAuthTimeoutMs,
  });
  const server = createGatewayServer({
    handlers: {
      ...createJobRoutes(cp),
      ...createAccountRoutes(cp),
      ...createWebhookRoutes(cp),
      ...createOpsRoutes({ metrics, document: openApiDocument, controlPlaneHealth: () => cp.checkHealth(), isDraining }),
      streamJobEvents: createJobEventStream({
        cp,
        streams,
        metrics,
        keepaliveMs: config.sseKeepaliveMs,
        maxBufferedBytes: config.streamMaxBufferedBytes,
      }),
    },
    requestValidator: createRequestValidator(structuredClone(openApiDocument)),
    hub,
    metrics,
    log,
    maxBodyBytes: config.maxBodyBytes,
    isDraining,
    cors: config.cors,
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  let webhooks: WebhookDeliverer | undefined;
  if (config.webhooks.adminToken === undefined) {
    log.warn("JOBPLANE_ADMIN_TOKEN is not set: this gateway delivers no webhooks (endpoints can still be managed)");
  } else {
    webhooks = startWebhookDeliverer({
      settings: config.webhooks,
      natsUrl: config.natsUrl,
      natsPrefix: config.natsPrefix,
      cp,
      metrics: metrics.webhooks,
      log,
    });
  }

  let stopping: Promise<void> | undefined;
  const stop = (reason = "gateway shutting down") => {
    stopping ??= (async () => {
      draining = true;
      const webhooksStopped = webhooks?.stop(config.shutdownGraceMs);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections go idle as their last response ends (an SSE stream closed
      // below, a request that was in flight): close each as soon as it does.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      streams.closeAll(`${reason}: reconnect with Last-Event-ID`);
      hub.closeAll(`${reason}: reconnect with ?after=<your last sequence>`);
      hub.stop();
      const grace = setTimeout(() => {
        log.warn("grace period over: closing the remaining connections");
        server.closeAllConnections();
      }, config.shutdownGraceMs);
      await closed;
      clearTimeout(grace);
      clearInterval(sweep);
      await webhooksStopped;
      cp.close();
    })();
    return stopping;
  };
  return { url, port, stop };
}
