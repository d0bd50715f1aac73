/**
 * Whether the agent's NATS connection is up right now, for /healthz. nats.js
 * has no synchronous "connected" flag, only a status stream: this follows it
 * (disconnect → down, reconnect → up; the client reconnects forever, see
 * main.ts) and logs each change, since a NATS outage otherwise only shows as
 * fetch errors. The watch ends by itself when the connection closes.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { AgentLogger } from "../logger.js";

export interface ConnectionState {
  readonly connected: boolean;
}

export function watchNatsConnection(nc: NatsConnection, logger: AgentLogger): ConnectionState {
  let disconnected = false;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") {
        disconnected = true;
        logger.warn({ server: status.server }, "NATS disconnected; reconnecting");
      } else if (status.type === "reconnect") {
        disconnected = false;
        logger.info({ server: status.server }, "NATS reconnected");
      }
    }
  })().catch((err: unknown) => logger.warn({ err }, "watching the NATS connection failed"));
  return {
    get connected() {
      return !disconnected && !nc.isClosed();
    },
  };
}
