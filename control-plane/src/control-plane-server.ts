/**
 * Builds one control-plane instance from its settings and an ORM: the Connect
 * services (Connect, gRPC, gRPC-Web on h2c and HTTP/1.1), reflection,
 * /healthz and /metrics on one port. main.ts runs it as a process; tests run
 * it in-process on port 0.
 */
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { systemClock, type Clock } from "./app/clock.js";
import { createDualProtocolServer } from "./adapters/http/dual-protocol-server.js";
import { createOpsRoutes, send } from "./adapters/http/ops-routes.js";
import { createEventSequencer } from "./adapters/postgres/event-sequencer.js";
import { createPgAuthenticator } from "./adapters/postgres/pg-authenticator.js";
import { createPgEventFeed } from "./adapters/postgres/pg-event-feed.js";
import { createPgRateLimiter } from "./adapters/postgres/pg-rate-limiter.js";
import type { Orm } from "./adapters/postgres/orm.js";
import { errorMappingInterceptor } from "./adapters/rpc/error-mapping.js";
import { metricsInterceptor } from "./adapters/rpc/metrics-interceptor.js";
import { registerRoutes } from "./adapters/rpc/routes.js";
import type { ControlPlaneConfig } from "./config.js";

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

  const auth = createPgAuthenticator({ orm, clock, rateLimiter: createPgRateLimiter(orm), adminToken: config.adminToken });
  // Outbox rows get their sequence from the sequencer (one instance at a time
  // across the cluster); this instance's feed follows that sequence for its watchers.
  const sequencer = createEventSequencer({
    orm,
    databaseUrl: config.databaseUrl,
    logger: logger.child({ component: "event-sequencer" }),
    intervalMs: config.sequencerIntervalMs,
  });
  const events = createPgEventFeed({
    orm,
    databaseUrl: config.databaseUrl,
    logger: logger.child({ component: "event-feed" }),
    pollIntervalMs: config.sequencerIntervalMs,
  });
  await events.start();
  try {
    await sequencer.start();
  } catch (err) {
    await events.stop();
    throw err;
  }
  const rpc = connectNodeAdapter({
    routes: (router) => registerRoutes(router, { orm, logger, clock, auth, shutdown: shutdown.signal, events }),
    // Errors are mapped first (innermost) so metrics count the final code.
    interceptors: [metricsInterceptor(registry), errorMappingInterceptor(logger)],
    fallback: (_req, res) => send(res, 404, "application/json", JSON.stringify({ error: "not found" })),
  });
  const ops = createOpsRoutes({
    registry,
    isDraining: () => draining,
    checks: [{ name: "postgres", check: async () => void (await orm.em.fork().execute("select 1")) }],
  });

  const server = createDualProtocolServer((req, res) => {
    if (!ops(req, res)) rpc(req, res);
  });
  const port = await server.listen(config.port, config.host).catch(async (err: unknown) => {
    await Promise.all([sequencer.stop(), events.stop()]);
    throw err;
  });
  const shownHost = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
  return {
    port,
    url: `http://${shownHost}:${port}`,
    async close() {
      draining = true;
      shutdown.abort();
      await server.close(config.shutdownGraceMs);
      // After the last call: watch streams ended on `shutdown`; rows left
      // unsequenced now are numbered by the next instance's pass.
      await Promise.all([sequencer.stop(), events.stop()]);
    },
  };
}
