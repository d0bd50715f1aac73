/**
 * The worker's JetStream side: one pull loop per job type over the durable
 * dispatch consumer the control plane created, handing each fetched message
 * (and the slot it holds) to the worker. Split out of worker.ts so the worker
 * reads as its state machine and this file holds everything that knows
 * JetStream's pull API (binding, fetch batches, expiry, retries).
 *
 * Loop, per type, until stop():
 *   bind     js.consumers.get(stream, durable); while it does not exist yet,
 *            log and retry with backoff (the control plane creates it).
 *   wait     for an open session, then for at least one free slot; take up
 *            to `cap` of the free ones (cap = slots / types, at least 1).
 *   fetch    fetch({max_messages: the slots taken, expires}); each message
 *            that arrives takes over one slot and goes to onMessage, which
 *            releases it. Slots no message arrived for are released when the
 *            batch ends.
 *   failure  any error (binding, fetch) → unbind, backoff, retry; a
 *            successful batch resets the backoff.
 * Invariants: never more slots reserved than a batch may fill; no slot is
 * leaked on error or stop; after stop() resolves no loop is running and no
 * pull request is pending.
 */
import { jetstream, type Consumer, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { NatsNames } from "../../proto/nats/names.js";
import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { sleep, type Clock } from "./clock.js";
import type { AgentLogger } from "./logger.js";
import type { AgentSession } from "./session-client.js";
import type { SlotPool } from "./slot-pool.js";

export interface DispatchFetcherOptions {
  readonly nc: NatsConnection;
  readonly names: NatsNames;
  readonly session: Pick<AgentSession, "whenConnected">;
  readonly slots: SlotPool;
  readonly logger: AgentLogger;
  readonly clock: Clock;
  /** Pull request expiry (default 3 s; NATS 2.9 needs ≥ 1 s). An idle type holds its reserved slots this long. */
  readonly fetchExpiresMs?: number;
  /** Back-off of consumer binding and fetch retries. */
  readonly retryBackoff: BackoffOptions;
  /** Takes over a fetched message and the one slot it holds; must release that slot. */
  readonly onMessage: (type: string, msg: JsMsg) => void;
}

const STOPPING = new Error("the worker is stopping");

export class DispatchFetcher {
  private readonly fetches = new Set<ConsumerMessages>();
  private readonly stopController = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly fetchExpiresMs: number;

  constructor(private readonly options: DispatchFetcherOptions) {
    this.fetchExpiresMs = Math.max(1000, options.fetchExpiresMs ?? 3000);
  }

  /** True once start() ran. */
  get started(): boolean {
    return this.loops.length > 0;
  }

  /** Starts one fetch loop per type. */
  start(types: readonly string[]): void {
    // With several types, each fetch asks for at most its share of the slots so one
    // idle type's pending pull does not hold every slot while another has work.
    const cap = Math.max(1, Math.floor(this.options.slots.total / types.length));
    this.loops = types.map((type) => this.fetchLoop(type, cap));
  }

  /** Ends every loop and pending pull; resolves once all loops have returned. */
  async stop(): Promise<void> {
    this.stopController.abort(STOPPING);
    for (const fetch of this.fetches) fetch.stop();
    await Promise.allSettled(this.loops);
  }

  private async fetchLoop(type: string, cap: number): Promise<void> {
    const { logger, names, nc, slots } = this.options;
    const stop = this.stopController.signal;
    const js = jetstream(nc);
    const stream = names.dispatchStream;
    const durable = names.dispatchConsumer(type);
    let consumer: Consumer | undefined;
    let failures = 0;
    while (!stop.aborted) {
      try {
        if (!consumer) {
          consumer = await js.consumers.get(stream, durable);
          logger.info({ type, stream, consumer: durable }, "bound to the dispatch consumer");
        }
        await this.options.session.whenConnected(stop);
        const reserved = await slots.acquireUpTo(cap, stop);
        let unused = reserved;
        try {
          const messages = await consumer.fetch({ max_messages: reserved, expires: this.fetchExpiresMs });
          this.fetches.add(messages);
          try {
            if (stop.aborted) messages.stop();
            for await (const msg of messages) {
              unused--;
              this.options.onMessage(type, msg);
            }
          } finally {
            this.fetches.delete(messages);
          }
        } finally {
          slots.release(Math.max(0, unused));
        }
        failures = 0;
      } catch (err) {
        if (stop.aborted) break;
        failures++;
        const message = err instanceof Error ? err.message : String(err);
        if (!consumer) {
          logger.warn({ type, stream, consumer: durable, err: message }, "dispatch consumer not available yet (the control plane creates it); retrying");
        } else {
          logger.warn({ type, consumer: durable, err: message }, "fetching from the dispatch consumer failed; retrying");
        }
        consumer = undefined;
        await sleep(this.options.clock, backoffDelay(failures, this.options.retryBackoff), stop).catch(() => undefined);
      }
    }
  }
}
