/**
 * The gateways' durable pull consumer of JOBPLANE_EVENTS (names.webhookConsumer,
 * "webhooks"), created by the control plane with the streams rather than by
 * the first gateway: events published while no gateway runs (a fresh install,
 * a gateway outage) are then kept for it, not lost. Idempotent: every control
 * plane instance ensures it at start-up; an existing consumer is left alone
 * unless a setting the control plane owns differs, and then updated in place
 * (its position in the stream is kept).
 *
 *   ack explicit      a gateway acks a batch once EnqueueWebhookEvents stored it
 *   deliver all       on creation: every event still in the stream
 *   ack_wait 30 s     an unacked batch (gateway died) goes to another gateway
 *   max_ack_pending   10000 events in flight across all gateways
 *   max_deliver -1    never give up on an event (enqueue is idempotent)
 * NATS 2.9: no filter (the stream holds only events), no metadata.
 */
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { NatsNames } from "../../../../proto/nats/names.js";

export const WEBHOOK_ACK_WAIT_MS = 30_000;
export const WEBHOOK_MAX_ACK_PENDING = 10_000;

export function webhookConsumerConfig(names: NatsNames): Partial<ConsumerConfig> & { durable_name: string } {
  return {
    durable_name: names.webhookConsumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(WEBHOOK_ACK_WAIT_MS),
    max_ack_pending: WEBHOOK_MAX_ACK_PENDING,
    max_deliver: -1,
  };
}

const consumerMissing = (err: unknown) => err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound;

/** Creates the webhook consumer on the events stream if missing; brings its owned settings up to date. */
export async function ensureWebhookConsumer(jsm: JetStreamManager, names: NatsNames): Promise<ConsumerInfo> {
  const want = webhookConsumerConfig(names);
  let current: ConsumerInfo | undefined;
  try {
    current = await jsm.consumers.info(names.eventsStream, want.durable_name);
  } catch (err) {
    if (!consumerMissing(err)) throw err;
  }
  if (current === undefined) {
    try {
      return await jsm.consumers.add(names.eventsStream, want);
    } catch (err) {
      // Lost a creation race with another instance: use what it made.
      if (!(err instanceof JetStreamApiError)) throw err;
      current = await jsm.consumers.info(names.eventsStream, want.durable_name);
    }
  }
  const have = current.config;
  if (have.ack_wait === want.ack_wait && have.max_ack_pending === want.max_ack_pending && have.max_deliver === want.max_deliver) {
    return current;
  }
  return jsm.consumers.update(names.eventsStream, want.durable_name, {
    ack_wait: want.ack_wait,
    max_ack_pending: want.max_ack_pending,
    max_deliver: want.max_deliver,
  });
}
