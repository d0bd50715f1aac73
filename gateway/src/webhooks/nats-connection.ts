/**
 * The gateway's NATS connection, used only by the webhook intake. Unlike the
 * control plane, the gateway serves REST without NATS, so a NATS that is down
 * at start-up must not stop it: the first connect is retried with backoff
 * (logged) until it succeeds or the gateway stops; after that the client
 * reconnects forever on its own, its status changes logged.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { backoffDelay } from "../realtime/backoff.js";

export interface GatewayNatsOptions {
  /** One URL or several, comma-separated (a cluster). */
  readonly url: string;
  readonly log: Logger;
  /** Stops the connect attempts. */
  readonly signal: AbortSignal;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

/** Resolves with a connection, or undefined when `signal` aborted first. */
export async function connectGatewayNats(options: GatewayNatsOptions): Promise<NatsConnection | undefined> {
  const { log, signal } = options;
  const servers = options.url.split(",").map((s) => s.trim()).filter(Boolean);
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      const nc = await connect({ servers, name: "jobplane-gateway", maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
      if (signal.aborted) {
        await nc.close();
        return undefined;
      }
      log.info({ server: nc.getServer() }, "nats connected");
      watchStatus(nc, log);
      return nc;
    } catch (err) {
      const delay = backoffDelay(attempt, options.retryBaseMs ?? 500, options.retryMaxMs ?? 30_000, () => 0.5 + Math.random() / 2);
      log.warn({ err: (err as Error).message, servers, retryInMs: delay }, "nats unreachable: webhook intake waits; retrying");
      await abortableSleep(delay, signal);
    }
  }
  return undefined;
}

function watchStatus(nc: NatsConnection, log: Logger): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") log.warn({ server: s.server }, "nats disconnected");
      else if (s.type === "reconnect") log.info({ server: s.server }, "nats reconnected");
      else if (s.type === "error" || s.type === "staleConnection" || s.type === "slowConsumer") log.warn({ status: s.type }, "nats connection problem");
    }
  })().catch((err: unknown) => log.warn({ err }, "nats status watch ended"));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
