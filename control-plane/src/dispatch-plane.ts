/**
 * The control plane's JetStream side, assembled: streams and dispatch
 * consumers ensured, then the dispatcher, the outbox relay and the
 * dead-letterer started. One per control-plane process; every instance runs
 * all three (each pass takes an advisory lock, so work is done once).
 *
 * Start order: NATS connection → streams → one consumer per catalog type →
 * dead-letter consumer → dispatcher (LISTEN jobplane_dispatch) → relay
 * (LISTEN jobplane_sequenced) → dead-letterer.
 * Stop order (after the RPC server stopped taking calls, before the ORM
 * closes): the reverse — dead-letterer → relay → dispatcher (each finishes
 * its current pass) → NATS drained (when this module opened the connection).
 */
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { natsNames, type NatsNames } from "../../proto/nats/names.js";
import { combineAfterCommit, noAfterCommit, type AfterCommit } from "./app/after-commit.js";
import { createDispatcher, dispatchAfterCommit, type Dispatcher } from "./app/dispatcher.js";
import { createDeadLetterer, type DeadLetterer } from "./adapters/nats/dead-letter.js";
import { createDispatchMetrics } from "./adapters/nats/dispatch-metrics.js";
import { redriveDeadLetters, type RedriveFilter, type RedriveResult } from "./adapters/nats/dead-letter-redrive.js";
import { createJetStreamWorkPublisher } from "./adapters/nats/jetstream-work-publisher.js";
import { connectNats } from "./adapters/nats/nats-connection.js";
import { createOutboxRelay, type OutboxRelay } from "./adapters/nats/outbox-relay.js";
import { ensureDispatchConsumer, ensureDispatchConsumers, ensureStreams, type DispatchConsumerOptions } from "./adapters/nats/streams.js";
import type { JobStore } from "./adapters/postgres/job-store.js";
import type { Orm } from "./adapters/postgres/orm.js";
import { createPgDispatchStore, listJobTypeNames } from "./adapters/postgres/pg-dispatch-queries.js";
import { createPgJobStore } from "./adapters/postgres/pg-job-store.js";
import { pgListener, type PgListenerFactory } from "./adapters/postgres/pg-listener.js";
import { createPgOutboxStore } from "./adapters/postgres/pg-outbox-queries.js";
import type { DispatchPlaneConfig } from "./dispatch-config.js";

/** NOTIFY channel of the trigger in Migration20261129000500_dispatch_notify. */
export const DISPATCH_CHANNEL = "jobplane_dispatch";

export interface DispatchPlaneOptions {
  readonly config: DispatchPlaneConfig;
  readonly orm: Orm;
  /** The database of `orm`, for the LISTEN connections. */
  readonly databaseUrl: string;
  /** A shared LISTEN connection to use instead of dedicated ones. */
  readonly listen?: PgListenerFactory;
  readonly logger: Logger;
  /** NATS_URL; ignored when `nc` is given. */
  readonly natsUrl?: string;
  /** A connection to use instead of opening one (it is then not closed by stop()). */
  readonly nc?: NatsConnection;
  /** Default: createPgJobStore(orm). */
  readonly jobs?: JobStore;
  /**
   * The process's other after-commit handlers (e.g. notifyAgent), run for
   * the transitions this module applies (dead-lettering, redrive).
   */
  readonly afterCommit?: AfterCommit;
  /** False runs no dispatcher loop on this instance (API-only instances, API tests). Default true. */
  readonly dispatching?: boolean;
  /** Where to register the dispatch, relay and dead-letter metrics (the process's /metrics registry). */
  readonly registry?: Registry;
}

export interface DispatchPlane {
  readonly names: NatsNames;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Handles `publishDispatch` by nudging this instance's dispatcher: combine it into the process's AfterCommit. */
  readonly afterCommit: AfterCommit;
  readonly dispatcher: Dispatcher;
  readonly relay: OutboxRelay;
  readonly deadLetterer: DeadLetterer;
  /** Creates or updates the dispatch consumer of a (new) job type: call after UpsertJobType. */
  ensureJobTypeConsumer(type: string): Promise<void>;
  /** Moves dead letters back (see dead-letter-redrive.ts): for the admin RPC. */
  redriveDeadLetters(filter?: RedriveFilter): Promise<RedriveResult>;
  /** For /healthz: fails while NATS is not connected. */
  check(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDispatchPlane(options: DispatchPlaneOptions): Promise<DispatchPlane> {
  const { config, orm, logger } = options;
  const names = natsNames(config.natsPrefix);
  const ownsConnection = options.nc === undefined;
  if (!options.nc && !options.natsUrl) throw new Error("startDispatchPlane: natsUrl or nc is required");
  const nc = options.nc ?? (await connectNats({ url: options.natsUrl!, name: "jobplane-control-plane", logger }));
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => logger.error({ err }, "dispatch plane stop failed"));
    stops.length = 0;
    if (ownsConnection && !nc.isClosed()) {
      await nc.drain().catch(() => nc.close());
      await nc.closed();
    }
  };
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc, { timeout: config.publishTimeoutMs });
    const consumerOptions: DispatchConsumerOptions = {
      maxDeliver: config.maxDeliver,
      backoffMs: config.backoffMs,
      maxAckPending: config.maxAckPending,
    };
    await ensureStreams(jsm, names, { eventsMaxAgeMs: config.eventsMaxAgeMs, replicas: config.streamReplicas });
    await ensureDispatchConsumers(jsm, names, await listJobTypeNames(orm), consumerOptions);

    const jobs = options.jobs ?? createPgJobStore(orm);
    const metrics = options.registry ? createDispatchMetrics(options.registry) : undefined;
    const dispatcher = createDispatcher({
      store: createPgDispatchStore(orm),
      publisher: createJetStreamWorkPublisher(js, names, { timeoutMs: config.publishTimeoutMs }),
      batchSize: config.dispatchBatch,
      intervalMs: config.dispatchIntervalMs,
      logger: logger.child({ component: "dispatcher" }),
      onPass: metrics?.dispatchPass,
    });
    const nudge = dispatchAfterCommit(dispatcher);
    const afterCommit = combineAfterCommit(nudge, options.afterCommit ?? noAfterCommit);
    if (options.dispatching ?? true) {
      const dispatchListener = pgListener(options, {
        channel: DISPATCH_CHANNEL,
        onNotify: () => dispatcher.nudge(),
        onListening: () => dispatcher.nudge(),
      });
      await dispatchListener.start();
      stops.push(() => dispatchListener.stop());
      dispatcher.start();
      stops.push(() => dispatcher.stop());
    }

    const relay = createOutboxRelay({
      store: createPgOutboxStore(orm),
      js,
      names,
      logger: logger.child({ component: "outbox-relay" }),
      databaseUrl: options.databaseUrl,
      listen: options.listen,
      intervalMs: config.relayIntervalMs,
      batchSize: config.relayBatch,
      publishTimeoutMs: config.publishTimeoutMs,
      onPass: metrics?.relayPass,
    });
    await relay.start();
    stops.push(() => relay.stop());

    const deadLetterer = createDeadLetterer({
      js,
      jsm,
      names,
      jobs,
      afterCommit,
      logger: logger.child({ component: "dead-letter" }),
      onAdvisory: metrics?.advisory,
    });
    await deadLetterer.start();
    stops.push(() => deadLetterer.stop());

    return {
      names,
      nc,
      js,
      jsm,
      afterCommit: nudge,
      dispatcher,
      relay,
      deadLetterer,
      ensureJobTypeConsumer: async (type) => void (await ensureDispatchConsumer(jsm, names, type, consumerOptions)),
      redriveDeadLetters: (filter) => redriveDeadLetters({ jsm, names, jobs, afterCommit }, filter),
      async check() {
        if (nc.isClosed()) throw new Error("NATS connection closed");
        // flush() waits for the server's PONG: it hangs while reconnecting, hence the bound.
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("NATS did not answer within 2 s")), 2000);
        });
        try {
          await Promise.race([nc.flush(), timeout]);
        } finally {
          clearTimeout(timer);
        }
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
