/**
 * The outbox relay: every job_events row reaches JOBPLANE_EVENTS exactly
 * once per dedup window, in per-job order, also after NATS was down.
 *
 * Wire format (what outside subscribers rely on; see README):
 *   subject  jobplane.events.<orgId>.<jobId>, and jobplane.events.<orgId>.balance
 *            for the org's balance.low / balance.depleted (no job)
 *   msg id   the event id (evt_…): JetStream drops a republish within the
 *            stream's duplicate window (2 min)
 *   header   Jobplane-Event-Type: job.created | job.dispatched | …
 *   body     the JobEvent in canonical Protobuf JSON (UTF-8)
 *
 * A pass (under the relay lock, pg-outbox-queries.ts): read up to
 * `batchSize` sequenced, unpublished rows in sequence order; publish them —
 * one job's events one after another (each waits for the previous one's
 * ack, so a failure can never let a later event overtake an earlier one),
 * likewise one org's balance events; different jobs' events concurrently;
 * mark the acked ones published in one UPDATE; commit. A failed publish
 * leaves its row, and that job's later rows, for the next pass; the loop
 * backs off while publishes fail (wake-loop.ts).
 * A row published whose marking did not commit is published again and
 * dropped by JetStream as a duplicate.
 *
 * Woken by NOTIFY jobplane_sequenced (the sequencer, after it numbered new
 * rows), by a reconnect of that LISTEN, and every `intervalMs`.
 */
import { toJsonString } from "@bufbuild/protobuf";
import type { JetStreamClient } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { JobEventSchema } from "../../../../proto/gen/jobplane/v1/event_pb.js";
import { BALANCE_SUBJECT_TOKEN, EVENT_TYPE_HEADER, type NatsNames } from "../../../../proto/nats/names.js";
import { createWakeLoop, type PassOutcome } from "../../app/wake-loop.js";
import { SEQUENCED_CHANNEL } from "../postgres/event-sequencer.js";
import type { StoredEvent } from "../postgres/job-store.js";
import type { OutboxStore } from "../postgres/pg-outbox-queries.js";
import { pgListener, type PgListenerFactory } from "../postgres/pg-listener.js";
import { jobEventToProto } from "../rpc/job-to-proto.js";

export const DEFAULT_RELAY_BATCH = 500;

export interface OutboxRelayOptions {
  readonly store: OutboxStore;
  readonly js: JetStreamClient;
  readonly names: NatsNames;
  readonly logger: Logger;
  /** The database of `store`, for the LISTEN connection; omit to run on the interval only. */
  readonly databaseUrl?: string;
  /** A shared LISTEN connection to use instead of a dedicated one (with databaseUrl). */
  readonly listen?: PgListenerFactory;
  /** Fallback pass period (JOBPLANE_RELAY_INTERVAL_MS, default 1000). */
  readonly intervalMs?: number;
  readonly batchSize?: number;
  /** Per-publish ack timeout (default 5000 ms). */
  readonly publishTimeoutMs?: number;
  /** Backoff cap while NATS is unreachable (default 5000 ms). */
  readonly maxRetryDelayMs?: number;
  /** Called after every loop pass that took the lock (metrics). */
  readonly onPass?: (result: RelayPassResult, durationMs: number) => void;
}

export interface RelayPassResult {
  /** False: another instance was relaying; nothing was done. */
  readonly locked: boolean;
  readonly read: number;
  readonly published: number;
  readonly failed: number;
  readonly error?: unknown;
  readonly more: boolean;
}

export interface OutboxRelay {
  /** LISTENs (if a databaseUrl was given) and starts the loop. */
  start(): Promise<void>;
  /** Asks for a pass soon. */
  wake(): void;
  /** One pass now, outside the loop (tests). */
  runPass(): Promise<RelayPassResult>;
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** A job_events row as the JOBPLANE_EVENTS message body. */
export function encodeJobEvent(event: StoredEvent): string {
  return toJsonString(JobEventSchema, jobEventToProto(event));
}

/** The subject's last token: the job, or `balance` for the org's balance events. */
function subjectToken(event: StoredEvent): string {
  return event.jobId ?? BALANCE_SUBJECT_TOKEN;
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { store, js, names, logger } = options;
  const batchSize = options.batchSize ?? DEFAULT_RELAY_BATCH;
  const timeout = options.publishTimeoutMs ?? 5000;

  async function publish(event: StoredEvent): Promise<void> {
    const h = headers();
    h.set(EVENT_TYPE_HEADER, event.type);
    await js.publish(names.eventSubject(event.orgId, subjectToken(event)), encodeJobEvent(event), {
      msgID: event.eventId,
      headers: h,
      expect: { streamName: names.eventsStream },
      timeout,
    });
  }

  async function runPass(): Promise<RelayPassResult> {
    const result = await store.exclusive(async (tx) => {
      const rows = await tx.unpublished(batchSize);
      if (rows.length === 0) return { locked: true, read: 0, published: 0, failed: 0, more: false };
      let error: unknown;
      let failed = 0;
      const chains = new Map<string, Promise<boolean>>();
      const outcomes = rows.map((row) => {
        // One chain per subject: a job's events, or one org's balance events.
        const chain = `${row.orgId}.${subjectToken(row)}`;
        const previous = chains.get(chain) ?? Promise.resolve(true);
        const next = previous.then(async (ok) => {
          if (!ok) return false;
          try {
            await publish(row);
            return true;
          } catch (err) {
            failed += 1;
            error ??= err;
            return false;
          }
        });
        chains.set(chain, next);
        return next;
      });
      const done = await Promise.all(outcomes);
      const acked = rows.filter((_, i) => done[i]).map((r) => r.id);
      await tx.markPublished(acked);
      return {
        locked: true,
        read: rows.length,
        published: acked.length,
        failed: rows.length - acked.length,
        error,
        more: rows.length === batchSize && failed === 0,
      };
    });
    return result ?? { locked: false, read: 0, published: 0, failed: 0, more: false };
  }

  const loop = createWakeLoop({
    intervalMs: options.intervalMs ?? 1000,
    maxRetryDelayMs: options.maxRetryDelayMs,
    onError: (err) => logger.error({ err }, "outbox relay pass failed"),
    async pass(): Promise<PassOutcome> {
      const started = performance.now();
      const r = await runPass();
      if (r.locked) options.onPass?.(r, performance.now() - started);
      if (r.failed > 0) {
        logger.warn({ failed: r.failed, published: r.published, err: r.error }, "outbox relay: publishes failed; will retry");
        return "failed";
      }
      return r.more ? "more" : "done";
    },
  });

  const listener = options.databaseUrl
    ? pgListener(
        { databaseUrl: options.databaseUrl, logger, listen: options.listen },
        { channel: SEQUENCED_CHANNEL, onNotify: () => loop.wake(), onListening: () => loop.wake() },
      )
    : undefined;

  return {
    async start() {
      await listener?.start();
      loop.start();
    },
    wake: () => loop.wake(),
    runPass,
    settled: () => loop.settled(),
    async stop() {
      await listener?.stop();
      await loop.stop();
    },
  };
}
