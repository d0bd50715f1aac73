/**
 * Dead-lettering: when JetStream gives up delivering a dispatch message
 * (max_deliver reached), move it to JOBPLANE_DLQ and fail its job with
 * DISPATCH_EXHAUSTED.
 *
 * The server announces it with a max-deliveries advisory — a core NATS
 * message, lost if no one listens — so JOBPLANE_ADVISORIES captures them
 * (streams.ts) and this reads that stream with a durable pull consumer
 * (`dead_letter`): an advisory published while every control plane was down
 * is handled when one comes back. Each advisory, in order:
 *   1. ignore it unless it is about the dispatch stream;
 *   2. load the message by stream_seq (gone: an agent acked it late, or a
 *      previous run finished — nothing to do);
 *   3. settle the job (app/dead-letter-jobs.ts exhaustDispatch): DISPATCHED
 *      on that attempt → FAILED DISPATCH_EXHAUSTED, hold released;
 *   4. if the job is FAILED DISPATCH_EXHAUSTED on that attempt, copy the
 *      message to jobplane.dlq.<type> (msg id `<jobId>:<attempt>:dlq`, so a
 *      repeat is dropped) with headers naming its origin (DLQ_HEADERS);
 *   5. delete it from the work queue (a max-delivered message stays there
 *      otherwise, see STACK.md);
 *   6. ack the advisory.
 * A crash anywhere redelivers the advisory and the steps repeat harmlessly:
 * the job step is guarded, the copy deduplicated, the delete idempotent, and
 * "message gone" implies step 3 and 4 were done. A failing step naks the
 * advisory with a delay.
 *
 * NATS 2.9 emits the advisory when the consumer next looks for a message to
 * deliver, i.e. while some agent of that type has a pull request waiting.
 */
import { fromBinary } from "@bufbuild/protobuf";
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { headers, nanos } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { DispatchMessageSchema, type DispatchMessage } from "../../../../proto/gen/jobplane/v1/dispatch_pb.js";
import { DLQ_HEADERS, type NatsNames } from "../../../../proto/nats/names.js";
import { exhaustDispatch, type DeadLetterJobsDeps } from "../../app/dead-letter-jobs.js";
import { dispatchMsgId } from "../../app/work-publisher.js";

/** The parts of io.nats.jetstream.advisory.v1.max_deliver we use. */
export interface MaxDeliveriesAdvisory {
  readonly type?: string;
  readonly stream: string;
  readonly consumer: string;
  readonly stream_seq: number;
  readonly deliveries: number;
}

export type AdvisoryOutcome =
  | "dead-lettered"
  /** The job had moved on (claimed, cancelled, retried): message removed, no DLQ copy. */
  | "settled-elsewhere"
  /** The message was no longer in the work queue. */
  | "gone"
  | "ignored";

export interface DeadLettererOptions extends DeadLetterJobsDeps {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly names: NatsNames;
  readonly logger: Logger;
  /** Delay before a failed advisory is retried (default 1000 ms). */
  readonly retryDelayMs?: number;
  /** Called with the outcome of every advisory handled by the loop (metrics). */
  readonly onAdvisory?: (outcome: AdvisoryOutcome) => void;
}

export interface DeadLetterer {
  /** Creates the durable consumer if needed and starts reading. */
  start(): Promise<void>;
  /** Handles one advisory (exported for tests and replays). */
  handle(advisory: MaxDeliveriesAdvisory): Promise<AdvisoryOutcome>;
  stop(): Promise<void>;
}

/** The durable consumer of the advisory stream (idempotent). */
export async function ensureDeadLetterConsumer(jsm: JetStreamManager, names: NatsNames): Promise<void> {
  const config = {
    durable_name: names.deadLetterConsumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(30_000),
    max_deliver: -1,
  };
  try {
    await jsm.consumers.info(names.advisoryStream, names.deadLetterConsumer);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    try {
      await jsm.consumers.add(names.advisoryStream, config);
    } catch (addErr) {
      // Another instance created it at the same moment.
      await jsm.consumers.info(names.advisoryStream, names.deadLetterConsumer).catch(() => {
        throw addErr;
      });
    }
  }
}

function decode(data: Uint8Array): DispatchMessage | undefined {
  try {
    const m = fromBinary(DispatchMessageSchema, data);
    return m.jobId && m.attempt > 0 ? m : undefined;
  } catch {
    return undefined;
  }
}

async function deleteIfPresent(jsm: JetStreamManager, stream: string, seq: number): Promise<void> {
  try {
    await jsm.streams.deleteMessage(stream, seq, false);
  } catch (err) {
    // Already deleted (a repeat of this advisory): fine.
    if (err instanceof JetStreamApiError && /not found|no message/i.test(err.message)) return;
    throw err;
  }
}

export function createDeadLetterer(options: DeadLettererOptions): DeadLetterer {
  const { js, jsm, names, logger } = options;
  const retryDelay = options.retryDelayMs ?? 1000;
  let messages: ConsumerMessages | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let wakeFromPause: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeFromPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function handle(advisory: MaxDeliveriesAdvisory): Promise<AdvisoryOutcome> {
    if (advisory.stream !== names.dispatchStream || !Number.isSafeInteger(advisory.stream_seq)) return "ignored";
    const stored = await jsm.streams.getMessage(names.dispatchStream, { seq: advisory.stream_seq });
    if (stored === null) return "gone";
    const dispatch = decode(stored.data);
    if (dispatch === undefined) {
      logger.error({ seq: advisory.stream_seq, subject: stored.subject }, "undecodable dispatch message: removed from the work queue");
      await deleteIfPresent(jsm, names.dispatchStream, advisory.stream_seq);
      return "settled-elsewhere";
    }
    const ref = { jobId: dispatch.jobId, attempt: dispatch.attempt };
    const exhausted = await exhaustDispatch(options, ref);
    if (exhausted) {
      const originalId = stored.header?.get("Nats-Msg-Id") || dispatchMsgId(ref);
      const h = headers();
      h.set(DLQ_HEADERS.originalMsgId, originalId);
      h.set(DLQ_HEADERS.originalSubject, stored.subject);
      h.set(DLQ_HEADERS.streamSeq, String(advisory.stream_seq));
      h.set(DLQ_HEADERS.consumer, advisory.consumer);
      h.set(DLQ_HEADERS.deliveries, String(advisory.deliveries));
      await js.publish(names.dlqSubject(dispatch.type), stored.data, {
        msgID: `${originalId}:dlq`,
        headers: h,
        expect: { streamName: names.dlqStream },
      });
    }
    await deleteIfPresent(jsm, names.dispatchStream, advisory.stream_seq);
    logger.warn(
      { jobId: ref.jobId, attempt: ref.attempt, deliveries: advisory.deliveries, deadLettered: exhausted },
      exhausted ? "dispatch exhausted: job failed, message dead-lettered" : "dispatch exhausted for a job that moved on",
    );
    return exhausted ? "dead-lettered" : "settled-elsewhere";
  }

  async function process(m: JsMsg): Promise<void> {
    let advisory: MaxDeliveriesAdvisory;
    try {
      advisory = m.json<MaxDeliveriesAdvisory>();
    } catch {
      m.ack();
      return;
    }
    try {
      const outcome = await handle(advisory);
      options.onAdvisory?.(outcome);
      m.ack();
    } catch (err) {
      logger.error({ err, advisory }, "dead-lettering failed; will retry");
      m.nak(retryDelay);
    }
  }

  async function readLoop(): Promise<void> {
    let delay = 100;
    while (!stopped) {
      try {
        const consumer = await js.consumers.get(names.advisoryStream, names.deadLetterConsumer);
        messages = await consumer.consume({ max_messages: 16, expires: 5000 });
        if (stopped) messages.close();
        for await (const m of messages) {
          delay = 100;
          await process(m);
        }
      } catch (err) {
        if (stopped) return;
        logger.warn({ err, retryInMs: delay }, "dead-letter consumer failed; retrying");
      }
      if (stopped) return;
      await pause(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }

  return {
    async start() {
      await ensureDeadLetterConsumer(jsm, names);
      stopped = false;
      running = readLoop();
    },
    handle,
    async stop() {
      stopped = true;
      wakeFromPause?.();
      await messages?.close();
      await running;
    },
  };
}
