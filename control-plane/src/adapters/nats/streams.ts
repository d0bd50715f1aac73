/**
 * The JetStream streams and dispatch consumers, created or brought up to date
 * at start-up (and a consumer whenever a job type is upserted). Idempotent:
 * every instance of the control plane runs it, any number of times; a stream
 * or consumer that exists is updated only when a setting it owns differs.
 *
 * NATS 2.9 limits what we may use (see STACK.md): one `filter_subject` per
 * consumer, `max_deliver` strictly greater than the backoff list, no metadata.
 *
 *   JOBPLANE_DISPATCH    work queue  jobplane.dispatch.>   dedup window: republishing an attempt is harmless
 *   JOBPLANE_EVENTS      limits      jobplane.events.>     max_age (default 7 days), dedup by event id
 *   JOBPLANE_DLQ         limits      jobplane.dlq.>        kept until redriven or purged by an operator
 *   JOBPLANE_ADVISORIES  limits      $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<dispatch stream>.>
 *     advisories are core NATS messages: this stream keeps them while no
 *     control plane listens, and the dead-letterer reads it with a durable.
 * With the events stream comes the gateways' durable webhook consumer
 * (webhook-consumer.ts), so no event waits on a gateway having run once.
 */
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { NatsNames } from "../../../../proto/nats/names.js";
import { ensureWebhookConsumer } from "./webhook-consumer.js";

export interface StreamOptions {
  /** JOBPLANE_EVENTS retention (default 7 days). */
  readonly eventsMaxAgeMs?: number;
  /** Dedup window of the dispatch and events streams (default 2 minutes). */
  readonly duplicateWindowMs?: number;
  /** Advisories are read within seconds; kept this long in case no one reads (default 7 days). */
  readonly advisoriesMaxAgeMs?: number;
  /** Replicas of every stream (default 1; 3 on a cluster). */
  readonly replicas?: number;
}

export const DEFAULT_EVENTS_MAX_AGE_MS = 7 * 24 * 3600_000;
export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;

type WantedStream = Pick<
  StreamConfig,
  "name" | "subjects" | "retention" | "storage" | "max_age" | "duplicate_window" | "num_replicas"
>;

/** The four streams' configurations (exported for tests and operators' tooling). */
export function streamConfigs(names: NatsNames, opts: StreamOptions = {}): WantedStream[] {
  const dedup = nanos(opts.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS);
  const replicas = opts.replicas ?? 1;
  const base = { storage: StorageType.File, num_replicas: replicas };
  return [
    {
      ...base,
      name: names.dispatchStream,
      subjects: [names.dispatchSubjects],
      retention: RetentionPolicy.Workqueue,
      max_age: 0,
      duplicate_window: dedup,
    },
    {
      ...base,
      name: names.eventsStream,
      subjects: [names.eventSubjects],
      retention: RetentionPolicy.Limits,
      max_age: nanos(opts.eventsMaxAgeMs ?? DEFAULT_EVENTS_MAX_AGE_MS),
      duplicate_window: dedup,
    },
    {
      ...base,
      name: names.dlqStream,
      subjects: [names.dlqSubjects],
      retention: RetentionPolicy.Limits,
      max_age: 0,
      duplicate_window: dedup,
    },
    {
      ...base,
      name: names.advisoryStream,
      subjects: [names.maxDeliveriesAdvisories],
      retention: RetentionPolicy.Limits,
      max_age: nanos(opts.advisoriesMaxAgeMs ?? DEFAULT_EVENTS_MAX_AGE_MS),
      duplicate_window: dedup,
    },
  ];
}

const isNotFound = (err: unknown, code: number) => err instanceof JetStreamApiError && err.code === code;
/** JetStream API error "stream name already in use with a different configuration". */
const STREAM_NAME_IN_USE = 10058;

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (err) {
    if (isNotFound(err, JetStreamApiCodes.StreamNotFound)) return undefined;
    throw err;
  }
}

function sameStream(have: StreamConfig, want: WantedStream): boolean {
  return (
    JSON.stringify(have.subjects ?? []) === JSON.stringify(want.subjects) &&
    have.max_age === want.max_age &&
    have.duplicate_window === want.duplicate_window &&
    have.num_replicas === want.num_replicas
  );
}

/** Creates the streams that are missing and updates those whose settings changed; then the webhook consumer. */
export async function ensureStreams(jsm: JetStreamManager, names: NatsNames, opts: StreamOptions = {}): Promise<void> {
  for (const want of streamConfigs(names, opts)) {
    const info = await streamInfo(jsm, want.name);
    if (info === undefined) {
      try {
        await jsm.streams.add(want);
        continue;
      } catch (err) {
        // Another instance created it first: fall through to the comparison.
        if (!(err instanceof JetStreamApiError && err.code === STREAM_NAME_IN_USE)) throw err;
      }
    }
    const current = info ?? (await jsm.streams.info(want.name));
    if (current.config.retention !== want.retention || current.config.storage !== want.storage) {
      throw new Error(
        `stream ${want.name} has retention ${current.config.retention}/${current.config.storage}, ` +
          `expected ${want.retention}/${want.storage}: it cannot be changed in place; delete the stream (losing its messages) to recreate it`,
      );
    }
    if (!sameStream(current.config, want)) await jsm.streams.update(want.name, { ...current.config, ...want });
  }
  await ensureWebhookConsumer(jsm, names);
}

export interface DispatchConsumerOptions {
  /** Deliveries before a message is dead-lettered: 1 + retries (default 4). */
  readonly maxDeliver?: number;
  /**
   * Redelivery delays after the 1st, 2nd, … unacked delivery; the last one
   * repeats. Must be shorter than maxDeliver (NATS 2.9). Default 5 s, 30 s, 120 s.
   */
  readonly backoffMs?: readonly number[];
  /** Deliveries outstanding at once across all agents of the type (default 1000). */
  readonly maxAckPending?: number;
}

export const DEFAULT_MAX_DELIVER = 4;
export const DEFAULT_DISPATCH_BACKOFF_MS: readonly number[] = [5_000, 30_000, 120_000];
export const DEFAULT_MAX_ACK_PENDING = 1000;

/** The durable pull consumer agents of `type` share. */
export function dispatchConsumerConfig(
  names: NatsNames,
  type: string,
  opts: DispatchConsumerOptions = {},
): Partial<ConsumerConfig> & { durable_name: string } {
  const maxDeliver = opts.maxDeliver ?? DEFAULT_MAX_DELIVER;
  const backoff = opts.backoffMs ?? DEFAULT_DISPATCH_BACKOFF_MS;
  if (!Number.isInteger(maxDeliver) || maxDeliver < 1) throw new RangeError(`maxDeliver must be ≥ 1, got ${maxDeliver}`);
  if (backoff.length === 0 || backoff.length >= maxDeliver) {
    throw new RangeError(`dispatch backoff needs 1 to ${maxDeliver - 1} delays for maxDeliver ${maxDeliver}, got ${backoff.length}`);
  }
  if (backoff.some((ms) => !Number.isFinite(ms) || ms <= 0)) throw new RangeError(`backoff delays must be > 0 ms`);
  return {
    durable_name: names.dispatchConsumer(type),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: names.dispatchSubject(type),
    max_deliver: maxDeliver,
    // With a backoff list the server waits backoff[n-1] for the ack of the
    // n-th delivery; ack_wait must equal its first entry.
    ack_wait: nanos(backoff[0]!),
    backoff: backoff.map((ms) => nanos(ms)),
    max_ack_pending: opts.maxAckPending ?? DEFAULT_MAX_ACK_PENDING,
  };
}

function sameConsumer(have: ConsumerConfig, want: ReturnType<typeof dispatchConsumerConfig>): boolean {
  return (
    have.filter_subject === want.filter_subject &&
    have.max_deliver === want.max_deliver &&
    have.ack_wait === want.ack_wait &&
    JSON.stringify(have.backoff ?? []) === JSON.stringify(want.backoff) &&
    have.max_ack_pending === want.max_ack_pending
  );
}

/**
 * Creates (or updates) the dispatch consumer of `type`. Called for every type
 * of the catalog at start-up and by UpsertJobType for a new type. The
 * dispatch stream must exist (ensureStreams).
 */
export async function ensureDispatchConsumer(
  jsm: JetStreamManager,
  names: NatsNames,
  type: string,
  opts: DispatchConsumerOptions = {},
): Promise<ConsumerInfo> {
  const want = dispatchConsumerConfig(names, type, opts);
  let current: ConsumerInfo | undefined;
  try {
    current = await jsm.consumers.info(names.dispatchStream, want.durable_name);
  } catch (err) {
    if (!isNotFound(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
  }
  if (current === undefined) {
    try {
      return await jsm.consumers.add(names.dispatchStream, want);
    } catch (err) {
      // Lost a creation race with another instance: compare with what it made.
      if (!(err instanceof JetStreamApiError)) throw err;
      current = await jsm.consumers.info(names.dispatchStream, want.durable_name);
    }
  }
  if (sameConsumer(current.config, want)) return current;
  const { durable_name: _durable, deliver_policy: _deliver, filter_subject: _filter, ack_policy: _ack, ...mutable } = want;
  if (current.config.filter_subject !== want.filter_subject) {
    throw new Error(`consumer ${want.durable_name} filters ${current.config.filter_subject}, expected ${want.filter_subject}`);
  }
  return jsm.consumers.update(names.dispatchStream, want.durable_name, mutable);
}

/** ensureDispatchConsumer for each type, one after another. */
export async function ensureDispatchConsumers(
  jsm: JetStreamManager,
  names: NatsNames,
  types: Iterable<string>,
  opts: DispatchConsumerOptions = {},
): Promise<void> {
  for (const type of types) await ensureDispatchConsumer(jsm, names, type, opts);
}
