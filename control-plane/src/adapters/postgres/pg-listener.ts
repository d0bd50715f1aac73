/**
 * A dedicated PostgreSQL connection that LISTENs on one channel, and comes
 * back after it breaks. LISTEN is session state, so it cannot live on a pooled
 * connection; and a notification sent while no session listens is gone for
 * good, so after every (re)connect `onListening` runs and the owner catches up
 * from the table — notifications are only ever a hint to look.
 *
 * States:
 *   idle        —start()→ connecting
 *   connecting  —LISTEN ok→ listening (onListening());  —error→ waiting
 *   listening   —connection error or end→ waiting
 *   waiting     —backoff elapsed→ connecting (delay doubles from 100 ms up to maxReconnectDelayMs)
 *   any         —stop()→ stopped (timer cleared, connection ended)
 * Invariant: at most one connection is open; while not `listening`, no
 * notifications arrive and the owner's fallback timer is what keeps it going.
 */
import pg from "pg";
import type { Logger } from "pino";

export interface PgListenerOptions {
  readonly databaseUrl: string;
  /** A plain lowercase identifier, e.g. "jobplane_events". */
  readonly channel: string;
  readonly logger: Logger;
  /** Called with the payload of every notification on the channel. */
  readonly onNotify: (payload: string) => void;
  /** Called after every successful LISTEN, the first one included. */
  readonly onListening: () => void;
  /** Upper bound of the reconnect backoff (default 5000 ms). */
  readonly maxReconnectDelayMs?: number;
}

export interface PgListener {
  /** Connects and LISTENs; rejects if the first attempt fails (a wrong URL should stop start-up). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const FIRST_RECONNECT_DELAY_MS = 100;

export function createPgListener(options: PgListenerOptions): PgListener {
  const { channel, logger } = options;
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name "${channel}"`);
  const maxDelay = options.maxReconnectDelayMs ?? 5000;
  let client: pg.Client | undefined;
  let stopped = false;
  let delay = FIRST_RECONNECT_DELAY_MS;
  let timer: NodeJS.Timeout | undefined;
  /** The attempt in progress, so stop() can wait for it instead of leaving a connection behind. */
  let connecting: Promise<void> | undefined;

  function connect(): Promise<void> {
    const attempt = open().finally(() => {
      if (connecting === attempt) connecting = undefined;
    });
    connecting = attempt;
    return attempt;
  }

  async function open(): Promise<void> {
    const c = new pg.Client({
      connectionString: options.databaseUrl,
      // A silently dead TCP connection would never deliver another
      // notification nor fail; keepalive probes make it fail, and we reconnect.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: `jobplane:${channel}`,
    });
    // Until LISTEN succeeded, failures surface through the rejected promise below.
    let established = false;
    let lost = false;
    const onLost = (err?: Error): void => {
      if (!established || lost) return;
      lost = true;
      if (client === c) client = undefined;
      c.removeAllListeners("notification");
      void c.end().catch(() => {});
      if (stopped) return;
      logger.warn({ err, channel }, "listen connection lost; reconnecting");
      scheduleReconnect();
    };
    c.on("error", onLost);
    c.on("end", () => onLost());
    c.on("notification", (msg) => {
      if (msg.channel === channel) options.onNotify(msg.payload ?? "");
    });
    try {
      await c.connect();
      await c.query(`listen ${channel}`);
    } catch (err) {
      void c.end().catch(() => {});
      throw err;
    }
    if (stopped) {
      await c.end().catch(() => {});
      return;
    }
    established = true;
    client = c;
    delay = FIRST_RECONNECT_DELAY_MS;
    options.onListening();
  }

  function scheduleReconnect(): void {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().catch((err: unknown) => {
        logger.warn({ err, channel, retryInMs: delay }, "listen connection failed");
        scheduleReconnect();
      });
    }, delay);
    delay = Math.min(delay * 2, maxDelay);
  }

  return {
    start: connect,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await connecting?.catch(() => {});
      const c = client;
      client = undefined;
      if (c) {
        c.removeAllListeners("notification");
        await c.end().catch(() => {});
      }
    },
  };
}
