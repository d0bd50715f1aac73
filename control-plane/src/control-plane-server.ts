/**
 * Builds one control-plane instance from its settings and an ORM: the Connect
 * services (Connect, gRPC, gRPC-Web on h2c and HTTP/1.1), reflection,
 * /healthz and /metrics on one port, and the background work every instance
 * shares with its peers (each loop takes a Postgres advisory lock per pass,
 * so any number of instances can run them):
 *   event sequencer → outbox relay → JOBPLANE_EVENTS
 *   dispatcher (WAITING → JOBPLANE_DISPATCH), dead-letterer, sweeper.
 * main.ts runs it as a process; tests run it in-process on port 0.
 *
 * Start order: NATS → feed/sequencer → dispatch plane → sweeper → HTTP.
 * Stop order is the reverse, after the HTTP server stops taking calls.
 */
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { natsNames } from "../../proto/nats/names.js";
import { combineAfterCommit } from "./app/after-commit.js";
import { systemClock, type Clock } from "./app/clock.js";
import { createSweeper } from "./app/sweep.js";
import { startPeriodicLoop } from "./app/periodic-loop.js";
import { pruneWebhookHistory } from "./app/webhook-history.js";
import { createDualProtocolServer } from "./adapters/http/dual-protocol-server.js";
import { createOpsRoutes, send } from "./adapters/http/ops-routes.js";
import { createDnsHostResolver } from "./adapters/dns/dns-host-resolver.js";
import { createNatsAgentControlBus, createNotifyAgentHandler } from "./adapters/nats/agent-control-bus.js";
import { connectNats } from "./adapters/nats/nats-connection.js";
import { createEventSequencer } from "./adapters/postgres/event-sequencer.js";
import { createPgAuthenticator } from "./adapters/postgres/pg-authenticator.js";
import { createPgCreditSignals } from "./adapters/postgres/pg-credit-signals.js";
import { createPgEventFeed } from "./adapters/postgres/pg-event-feed.js";
import { createSharedPgListeners } from "./adapters/postgres/pg-listener.js";
import { createPgJobStore } from "./adapters/postgres/pg-job-store.js";
import { createPgRateLimiter } from "./adapters/postgres/pg-rate-limiter.js";
import { createPgSweepStore } from "./adapters/postgres/pg-sweeper.js";
import { createPgWebhookHistory } from "./adapters/postgres/pg-webhook-history.js";
import type { Orm } from "./adapters/postgres/orm.js";
import { errorMappingInterceptor } from "./adapters/rpc/error-mapping.js";
import { metricsInterceptor } from "./adapters/rpc/metrics-interceptor.js";
import { registerRoutes } from "./adapters/rpc/routes.js";
import type { ControlPlaneConfig } from "./config.js";
import { startDispatchPlane } from "./dispatch-plane.js";

/** Webhook history is pruned hourly: retention is counted in days, so finer passes would buy nothing. */
const WEBHOOK_HISTORY_PRUNE_INTERVAL_MS = 3600_000;

export interface ControlPlaneServer {
  readonly port: number;
  /** http://host:port, for clients on this machine. */
  readonly url: string;
  /** Stops accepting calls, waits for in-flight ones (up to the grace period), closes. */
  close(): Promise<void>;
}

export interface ControlPlaneServerOptions {
  readonly config: ControlPlaneConfig;
  readonly orm: Orm;
  readonly logger: Logger;
  readonly clock?: Clock;
}

export async function startControlPlaneServer(options: ControlPlaneServerOptions): Promise<ControlPlaneServer> {
  const { config, orm, logger } = options;
  const clock = options.clock ?? systemClock;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let draining = false;
  const shutdown = new AbortController();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => logger.error({ err }, "stopping a component failed"));
    }
    stops.length = 0;
  };

  try {
    const nc = await connectNats({ url: config.natsUrl, name: "jobplane-control-plane", logger });
    stops.push(async () => {
      await nc.drain().catch(() => nc.close());
    });
    const names = natsNames(config.dispatch.natsPrefix);
    // One LISTEN connection for the feed, sequencer, dispatcher and relay:
    // PostgreSQL wakes every listening session on every notifying commit.
    const listen = createSharedPgListeners({
      databaseUrl: config.databaseUrl,
      logger: logger.child({ component: "pg-listen" }),
      applicationName: "jobplane:control-plane",
    });

    // Outbox rows get their sequence from the sequencer (one pass at a time
    // across the cluster); this instance's feed follows it for its watchers.
    const events = createPgEventFeed({
      orm,
      databaseUrl: config.databaseUrl,
      listen,
      logger: logger.child({ component: "event-feed" }),
      pollIntervalMs: config.sequencerIntervalMs,
    });
    await events.start();
    stops.push(() => events.stop());
    // Top-ups for WatchBalance: one more channel on the same connection.
    const creditSignals = createPgCreditSignals({ databaseUrl: config.databaseUrl, listen, logger });
    await creditSignals.start();
    stops.push(() => creditSignals.stop());
    const sequencer = createEventSequencer({
      orm,
      databaseUrl: config.databaseUrl,
      listen,
      logger: logger.child({ component: "event-sequencer" }),
      intervalMs: config.sequencerIntervalMs,
    });
    await sequencer.start();
    stops.push(() => sequencer.stop());

    const notifyAgent = createNotifyAgentHandler(nc, names, logger.child({ component: "agent-control" }));
    const plane = await startDispatchPlane({
      config: config.dispatch,
      orm,
      databaseUrl: config.databaseUrl,
      listen,
      logger,
      nc,
      afterCommit: notifyAgent,
      dispatching: config.dispatcherEnabled,
      registry,
    });
    stops.push(() => plane.stop());
    const afterCommit = combineAfterCommit(plane.afterCommit, notifyAgent);

    const sweeping = createSweeper({
      store: createPgSweepStore(orm),
      jobs: createPgJobStore(orm),
      afterCommit,
      heartbeatTimeoutMs: config.agents.heartbeatTimeoutMs,
      onError: (err, job) => logger.error({ err, jobId: job.jobId }, "sweeping a job failed"),
    });
    const sweeper = startPeriodicLoop({
      pass: (now) => sweeping.sweepOnce(now),
      intervalMs: config.agents.sweepIntervalMs,
      clock,
      onError: (err) => logger.error({ err }, "sweeper pass failed"),
    });
    stops.push(() => sweeper.stop());

    const webhookHistory = createPgWebhookHistory(orm);
    const pruner = startPeriodicLoop({
      pass: (now) => pruneWebhookHistory(webhookHistory, now, { retentionDays: config.webhooks.retentionDays }),
      intervalMs: WEBHOOK_HISTORY_PRUNE_INTERVAL_MS,
      clock,
      onPass: (deleted) => {
        if (deleted > 0) logger.info({ deleted, retentionDays: config.webhooks.retentionDays }, "pruned webhook delivery history");
      },
      onError: (err) => logger.error({ err }, "pruning webhook history failed"),
    });
    stops.push(() => pruner.stop());

    const auth = createPgAuthenticator({ orm, clock, rateLimiter: createPgRateLimiter(orm), adminToken: config.adminToken });
    const rpc = connectNodeAdapter({
      routes: (router) =>
        registerRoutes(router, {
          orm,
          logger,
          clock,
          auth,
          shutdown: shutdown.signal,
          events,
          creditSignals,
          afterCommit,
          agentControl: createNatsAgentControlBus(nc, names, logger.child({ component: "agent-control" })),
          agentSettings: config.agents,
          dispatch: plane,
          webhooks: config.webhooks,
          resolveHost: createDnsHostResolver(),
        }),
      // Errors are mapped first (innermost) so metrics count the final code.
      interceptors: [metricsInterceptor(registry), errorMappingInterceptor(logger)],
      fallback: (_req, res) => send(res, 404, "application/json", JSON.stringify({ error: "not found" })),
    });
    const ops = createOpsRoutes({
      registry,
      isDraining: () => draining,
      checks: [
        { name: "postgres", check: async () => void (await orm.em.fork().execute("select 1")) },
        { name: "nats", check: () => plane.check() },
      ],
    });

    const server = createDualProtocolServer((req, res) => {
      if (!ops(req, res)) rpc(req, res);
    });
    const port = await server.listen(config.port, config.host);
    const shownHost = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
    return {
      port,
      url: `http://${shownHost}:${port}`,
      async close() {
        draining = true;
        // Ends watch streams and agent sessions, so the server can close.
        shutdown.abort();
        await server.close(config.shutdownGraceMs);
        // After the last call: rows left unsequenced or unpublished are picked
        // up by the next instance's passes.
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
