/**
 * The webhook intake: JOBPLANE_EVENTS → EnqueueWebhookEvents. Every gateway
 * binds to the one durable pull consumer `webhooks` (the control plane
 * creates it with the stream, so events published while no gateway runs wait
 * there), so each event is enqueued by one gateway — or, after a crash, again
 * by another, which is harmless: enqueueing is idempotent per endpoint and
 * event.
 *
 * Loop states:
 *   binding   consumers.get(stream, "webhooks"); missing (the control plane has
 *             not started yet) or NATS away → log, back off, retry. → reading
 *   reading   consume() queues each message as it arrives; one flusher at a
 *             time takes the queue in batches (≤ batchMax messages, ≤
 *             batchMaxBytes of payload). A lone event goes out at once (the
 *             flush runs on the next turn of the event loop), and while a call
 *             is in flight the next batch gathers: a backlog goes in batches
 *             with no timer. (The queue is bounded by the consumer's
 *             max_ack_pending: nothing is acked before its call.) Per message:
 *               undecodable (not a JobEvent)        → logged, term()
 *               type not deliverable (job.retried …) → ack()
 *               else its body is rendered (webhook-payload.ts)
 *             Then one EnqueueWebhookEvents for the batch:
 *               ok     → ack() each; if deliveries were created, wake the claim loop
 *               failed → nak(delay) each, and everything queued behind it
 *                        (redelivered after the delay, to any gateway), then
 *                        pause the same delay (backoff, reset on success)
 *             The consume iterator failing → back to binding.
 *   stopped   stop(): no more reading; the batch in hand finishes its call
 *             (aborted after graceMs), its messages are acked or naked, and
 *             what is still queued is naked for another gateway at once.
 * Invariant: a message is acked only after the call that recorded its event
 * succeeded; anything unacked is redelivered (nak delay, or the consumer's
 * ack_wait), so nothing is lost.
 */
import { create, fromJsonString } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { JobEventSchema, type JobEvent } from "../../../proto/gen/jobplane/v1/event_pb.js";
import { WebhookEventSchema, type WebhookEvent } from "../../../proto/gen/jobplane/v1/webhook_delivery_service_pb.js";
import { EVENT_TYPE_HEADER, type NatsNames } from "../../../proto/nats/names.js";
import type { WebhookMetrics } from "../ops/metrics.js";
import { backoffDelay } from "../realtime/backoff.js";
import { abortableSleep } from "./nats-connection.js";
import { isWebhookEventType } from "../../../proto/webhooks/event-types.js";
import { renderWebhookPayload } from "./webhook-payload.js";

/** Records the events' deliveries; resolves with how many were new. */
export type EnqueueEvents = (events: WebhookEvent[], signal: AbortSignal) => Promise<number>;

export interface EventIntakeOptions {
  readonly js: JetStreamClient;
  readonly names: NatsNames;
  readonly enqueue: EnqueueEvents;
  /** Called after an enqueue that created deliveries (wakes the delivery loop). */
  readonly onDeliveriesCreated: () => void;
  readonly log: Logger;
  readonly metrics: WebhookMetrics;
  /** Most events per EnqueueWebhookEvents call (default 500; the RPC takes ≤ 1000). */
  readonly batchMax?: number;
  /** Most payload bytes per call (default 4 MiB). */
  readonly batchMaxBytes?: number;
  /** Backoff of retries (binding, enqueue): doubling from base to max, jittered (defaults 500 ms, 30 s). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Jitter source (tests pass a constant). */
  readonly random?: () => number;
}

export interface EventIntake {
  start(): void;
  /** Stops reading; the batch in hand gets up to graceMs to finish. */
  stop(graceMs?: number): Promise<void>;
}

export type Decoded = { readonly event: JobEvent } | { readonly error: string };

/** A message's JobEvent (canonical Protobuf JSON; fields this gateway does not know are ignored). */
export function decodeEvent(data: Uint8Array): Decoded {
  let event: JobEvent;
  try {
    event = fromJsonString(JobEventSchema, new TextDecoder("utf-8", { fatal: true }).decode(data), { ignoreUnknownFields: true });
  } catch (err) {
    return { error: (err as Error).message };
  }
  if (!event.id || !event.orgId || !event.type) return { error: "a JobEvent needs id, orgId and type" };
  return { event };
}

/** The WebhookEvent of a deliverable JobEvent, its body rendered. */
export function webhookEventOf(event: JobEvent, receivedAt: Date): WebhookEvent {
  return create(WebhookEventSchema, {
    eventId: event.id,
    orgId: event.orgId,
    eventType: event.type,
    payload: renderWebhookPayload(event, receivedAt),
    occurredAt: event.occurredAt ?? timestampFromDate(receivedAt),
  });
}

export function createEventIntake(options: EventIntakeOptions): EventIntake {
  const { js, names, log, metrics } = options;
  const batchMax = options.batchMax ?? 500;
  const batchMaxBytes = options.batchMaxBytes ?? 4 * 1024 * 1024;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  // Jitter within [50 %, 100 %] of the delay: spread out, never zero.
  const random = options.random ?? (() => 0.5 + Math.random() / 2);
  const stopping = new AbortController();
  const hardStop = new AbortController();
  let messages: ConsumerMessages | undefined;
  let running: Promise<void> | undefined;
  let enqueueFailures = 0;
  let queue: JsMsg[] = [];
  let flushing: Promise<void> | undefined;

  /** Sorts a batch: what to ack at once, what to term, and the events to enqueue (with their messages). */
  async function handleBatch(batch: JsMsg[]): Promise<void> {
    const events = new Map<string, WebhookEvent>();
    const held: JsMsg[] = [];
    for (const m of batch) {
      const headerType = m.headers?.get(EVENT_TYPE_HEADER);
      if (headerType && !isWebhookEventType(headerType)) {
        m.ack();
        metrics.events.inc({ outcome: "skipped" });
        continue;
      }
      const decoded = decodeEvent(m.data);
      if ("error" in decoded) {
        log.error({ subject: m.subject, streamSeq: m.seq, error: decoded.error }, "webhook intake: undecodable event dropped");
        m.term();
        metrics.events.inc({ outcome: "undecodable" });
        continue;
      }
      if (!isWebhookEventType(decoded.event.type)) {
        m.ack();
        metrics.events.inc({ outcome: "skipped" });
        continue;
      }
      // A redelivered copy of an event already in this batch is acked with it.
      if (!events.has(decoded.event.id)) events.set(decoded.event.id, webhookEventOf(decoded.event, m.time));
      held.push(m);
    }
    if (events.size === 0) return;

    try {
      const created = await options.enqueue([...events.values()], hardStop.signal);
      for (const m of held) m.ack();
      enqueueFailures = 0;
      metrics.events.inc({ outcome: "enqueued" }, events.size);
      metrics.deliveriesCreated.inc(created);
      log.debug({ events: events.size, deliveriesCreated: created }, "webhook events enqueued");
      if (created > 0) options.onDeliveriesCreated();
    } catch (err) {
      enqueueFailures++;
      const delay = backoffDelay(enqueueFailures, retryBaseMs, retryMaxMs, random);
      // What is queued behind the batch goes back too: held through a long outage it would
      // pass its ack_wait and come again, piling up copies here.
      for (const m of [...held, ...queue.splice(0)]) m.nak(delay);
      metrics.events.inc({ outcome: "retried" }, events.size);
      metrics.rpcFailures.inc({ rpc: "enqueue" });
      log.warn({ err: (err as Error).message, events: events.size, retryInMs: delay }, "webhook intake: enqueue failed; the events come back after the delay");
      await abortableSleep(delay, stopping.signal);
    }
  }

  /** Takes the next batch off the queue. */
  function nextBatch(): JsMsg[] {
    let bytes = 0;
    let count = 0;
    while (count < queue.length && count < batchMax && (count === 0 || bytes + queue[count]!.data.length <= batchMaxBytes)) {
      bytes += queue[count]!.data.length;
      count++;
    }
    const batch = queue.slice(0, count);
    queue = queue.slice(count);
    return batch;
  }

  async function flush(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // let a burst that arrived together gather
    while (queue.length > 0 && !stopping.signal.aborted) await handleBatch(nextBatch());
  }

  /** Starts the flusher unless it runs (it empties the queue before it ends). */
  function kick(): void {
    if (flushing || queue.length === 0 || stopping.signal.aborted) return;
    flushing = flush()
      .catch((err: unknown) => log.error({ err }, "webhook intake: flush crashed"))
      .finally(() => {
        flushing = undefined;
        kick();
      });
  }

  function onMessage(m: JsMsg): void {
    queue.push(m);
    kick();
  }

  async function watchStatus(current: ConsumerMessages): Promise<void> {
    for await (const s of current.status()) {
      if (s.type === "consumer_deleted" || s.type === "consumer_not_found" || s.type === "heartbeats_missed") {
        log.warn({ status: s.type, stream: names.eventsStream, consumer: names.webhookConsumer }, "webhook intake: consumer trouble");
      }
    }
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        const consumer = await js.consumers.get(names.eventsStream, names.webhookConsumer);
        if (stopping.signal.aborted) return;
        messages = await consumer.consume({ max_messages: batchMax, callback: onMessage });
        if (stopping.signal.aborted) {
          await messages.close();
          return;
        }
        void watchStatus(messages).catch(() => {});
        log.info({ stream: names.eventsStream, consumer: names.webhookConsumer }, "webhook intake: bound to the events consumer");
        failures = 0;
        const ended = await messages.closed();
        if (stopping.signal.aborted) return;
        if (ended instanceof Error) throw ended;
        log.warn("webhook intake: the consumer stopped delivering; binding again");
      } catch (err) {
        if (stopping.signal.aborted) return;
        failures++;
        const delay = backoffDelay(failures, retryBaseMs, retryMaxMs, random);
        log.warn(
          { err: (err as Error).message, stream: names.eventsStream, consumer: names.webhookConsumer, retryInMs: delay },
          "webhook intake: cannot read the events consumer (the control plane creates it); retrying",
        );
        await abortableSleep(delay, stopping.signal);
      }
    }
  }

  return {
    start() {
      running ??= loop().catch((err: unknown) => log.error({ err }, "webhook intake crashed"));
    },
    async stop(graceMs = 5000) {
      stopping.abort();
      await messages?.close().catch(() => {});
      const grace = setTimeout(() => hardStop.abort(), graceMs);
      await running;
      await flushing;
      clearTimeout(grace);
      // Queued but not sent: let another gateway have them now.
      for (const m of queue.splice(0)) m.nak();
    },
  };
}
