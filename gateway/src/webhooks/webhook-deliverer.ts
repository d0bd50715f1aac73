/**
 * The webhook deliverer of one gateway: the intake (JOBPLANE_EVENTS →
 * EnqueueWebhookEvents) and the delivery loop (claim → POST → report), bound
 * to the control plane's WebhookDeliveryService (admin token) and to NATS.
 * The delivery loop starts at once — it needs only the control plane — and
 * the intake once NATS answers, so a NATS outage delays new events but not
 * retries of those already enqueued.
 */
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { natsNames } from "../../../proto/nats/names.js";
import type { WebhookSettings } from "../config.js";
import type { WebhookMetrics } from "../ops/metrics.js";
import type { ControlPlane } from "../upstream/control-plane.js";
import { createDeliveryLoop } from "./delivery-loop.js";
import { createEventIntake, type EventIntake } from "./event-intake.js";
import { abortableSleep, connectGatewayNats } from "./nats-connection.js";
import { postWebhook } from "./webhook-poster.js";

/** Each WebhookDeliveryService call gives up after this (then it is retried). */
const RPC_TIMEOUT_MS = 15_000;

export interface WebhookDelivererOptions {
  readonly settings: WebhookSettings;
  readonly natsUrl: string;
  readonly natsPrefix: string;
  readonly cp: ControlPlane;
  readonly metrics: WebhookMetrics;
  readonly log: Logger;
}

export interface WebhookDeliverer {
  /** Stops the intake and the loop (in-flight POSTs get graceMs), then closes NATS. */
  stop(graceMs: number): Promise<void>;
}

export function startWebhookDeliverer(options: WebhookDelivererOptions): WebhookDeliverer {
  const { settings, cp, metrics } = options;
  const log = options.log.child({ component: "webhooks" });
  const rpc = (signal: AbortSignal) => ({ signal, timeoutMs: RPC_TIMEOUT_MS });

  const loop = createDeliveryLoop({
    claim: async (max, leaseMs, signal) => (await cp.webhookDelivery.claimWebhookDeliveries({ max, leaseMs }, rpc(signal))).deliveries,
    report: async (report, signal) => (await cp.webhookDelivery.reportWebhookAttempt(report, rpc(signal))).recorded,
    post: (d, signal) =>
      postWebhook(
        { url: d.url, payload: d.payload, webhookId: d.webhookId, webhookTimestamp: d.webhookTimestamp, webhookSignature: d.webhookSignature },
        { timeoutMs: settings.timeoutMs, allowPrivate: settings.allowPrivate, signal },
      ),
    concurrency: settings.concurrency,
    leaseMs: settings.leaseMs,
    pollMs: settings.pollMs,
    log,
    metrics,
  });
  loop.start();
  log.info(
    {
      concurrency: settings.concurrency,
      timeoutMs: settings.timeoutMs,
      leaseMs: settings.leaseMs,
      pollMs: settings.pollMs,
      allowPrivate: settings.allowPrivate,
    },
    "webhook delivery started",
  );

  const connecting = new AbortController();
  let nc: NatsConnection | undefined;
  let intake: EventIntake | undefined;
  const intakeStarted = (async () => {
    nc = await connectGatewayNats({ url: options.natsUrl, log, signal: connecting.signal });
    if (nc === undefined) return;
    intake = createEventIntake({
      js: jetstream(nc),
      names: natsNames(options.natsPrefix),
      enqueue: async (events, signal) => (await cp.webhookDelivery.enqueueWebhookEvents({ events }, rpc(signal))).deliveriesCreated,
      onDeliveriesCreated: () => loop.wake(),
      log,
      metrics,
    });
    intake.start();
  })();

  return {
    async stop(graceMs) {
      connecting.abort();
      // A connect in progress cannot be cancelled; once it ends it sees the abort and closes.
      const waited = new AbortController();
      await Promise.race([intakeStarted, abortableSleep(graceMs, waited.signal)]);
      waited.abort();
      await Promise.all([intake?.stop(graceMs), loop.stop(graceMs)]);
      if (nc) {
        // Flush the last acks and naks before closing.
        await nc.flush().catch(() => {});
        await nc.close().catch(() => {});
      }
      log.info("webhook delivery stopped");
    },
  };
}
