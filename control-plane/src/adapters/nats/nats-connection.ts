/**
 * The control plane's NATS connection: named (so `nats server report
 * connections` shows who is who), reconnecting forever, its status changes
 * logged. While it is disconnected, publishes fail or time out and their
 * callers retry later (the dispatcher leaves jobs WAITING, the relay keeps
 * rows unpublished): nothing here buffers work of its own.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

export interface NatsConnectionOptions {
  /** One URL or several, comma-separated (a cluster). */
  readonly url: string;
  /** Connection name, e.g. "jobplane-control-plane". */
  readonly name: string;
  readonly logger: Logger;
  /**
   * Keep retrying the first connect instead of failing (default false: a
   * wrong URL should stop start-up loudly).
   */
  readonly waitOnFirstConnect?: boolean;
}

export async function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  const { logger } = options;
  const nc = await connect({
    servers: options.url.split(",").map((s) => s.trim()).filter(Boolean),
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
  });
  logger.info({ server: nc.getServer(), name: options.name }, "nats connected");
  void (async () => {
    for await (const s of nc.status()) {
      switch (s.type) {
        case "disconnect":
          logger.warn({ server: s.server }, "nats disconnected");
          break;
        case "reconnect":
          logger.info({ server: s.server }, "nats reconnected");
          break;
        case "error":
        case "staleConnection":
        case "slowConsumer":
          logger.warn({ status: s }, "nats connection problem");
          break;
        default:
          logger.debug({ status: s }, "nats status");
      }
    }
  })().catch((err: unknown) => logger.warn({ err }, "nats status watch ended"));
  return nc;
}
