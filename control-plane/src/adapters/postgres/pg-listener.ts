/**
 * Dedicated PostgreSQL connections that LISTEN, and come back after they
 * break. LISTEN is session state, so it cannot live on a pooled connection;
 * and a notification sent while no session listens is gone for good, so after
 * every (re)connect each subscriber's `onListening` runs and its owner catches
 * up from the table — notifications are only ever a hint to look.
 *
 * One connection can serve many channels and subscribers
 * (createSharedPgListeners): the control plane runs one for its sequencer,
 * event feed, outbox relay and dispatcher. That matters beyond saving
 * connections: PostgreSQL wakes every listening session of a database on
 * every notifying commit, and each wake-up is a transaction on the server
 * and a read on the client, so N listening connections cost N of each per
 * commit; one costs one. createPgListener is the one-channel case on a
 * connection of its own (named `jobplane:<channel>`).
 *
 * Connection states:
 *   idle        —a subscriber starts→ connecting
 *   connecting  —connected, LISTEN on every subscribed channel→ listening
 *                 (onListening() of every started subscriber);  —error→ waiting
 *                 (the first attempt of a start() instead rejects it → idle)
 *   listening   —a subscriber starts: LISTEN its channel if new, its onListening()
 *               —the last subscriber of a channel stops: UNLISTEN it
 *               —connection error or end→ waiting
 *   waiting     —backoff elapsed→ connecting (delay doubles from 100 ms up to maxReconnectDelayMs)
 *   any         —the last subscriber stops→ idle (timer cleared, connection ended)
 * Invariant: at most one connection is open; while not `listening`, no
 * notifications arrive and the owners' fallback timers keep them going.
 */
import pg from "pg";
import type { Logger } from "pino";

export interface PgChannelHandlers {
  /** A plain lowercase identifier, e.g. "jobplane_events". */
  readonly channel: string;
  /** Called with the payload of every notification on the channel. */
  readonly onNotify: (payload: string) => void;
  /** Called after every successful LISTEN, the first one included. */
  readonly onListening: () => void;
}

export interface PgListenerOptions extends PgChannelHandlers {
  readonly databaseUrl: string;
  readonly logger: Logger;
  /** Upper bound of the reconnect backoff (default 5000 ms). */
  readonly maxReconnectDelayMs?: number;
}

export interface PgListener {
  /** Connects and LISTENs; rejects if the first attempt fails (a wrong URL should stop start-up). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Makes a listener for one channel; many may share one connection. */
export type PgListenerFactory = (handlers: PgChannelHandlers) => PgListener;

export interface SharedPgListenersOptions {
  readonly databaseUrl: string;
  readonly logger: Logger;
  /** The connection's application_name (pg_stat_activity). */
  readonly applicationName: string;
  /** Upper bound of the reconnect backoff (default 5000 ms). */
  readonly maxReconnectDelayMs?: number;
}

const FIRST_RECONNECT_DELAY_MS = 100;
const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;

interface Subscriber {
  readonly handlers: PgChannelHandlers;
  /** start() finished: reconnects call its onListening. */
  started: boolean;
}

/** Listeners that share one LISTEN connection. */
export function createSharedPgListeners(options: SharedPgListenersOptions): PgListenerFactory {
  const { logger } = options;
  const maxDelay = options.maxReconnectDelayMs ?? 5000;
  const subscribers = new Set<Subscriber>();
  /** Channels LISTENed on the current connection. */
  const listening = new Set<string>();
  let client: pg.Client | undefined;
  let delay = FIRST_RECONNECT_DELAY_MS;
  let timer: NodeJS.Timeout | undefined;
  /** The attempt in progress, so others wait for it instead of opening a second connection. */
  let connecting: Promise<void> | undefined;
  /** LISTEN / UNLISTEN / end, one at a time, so the set above matches the server. */
  let changes: Promise<unknown> = Promise.resolve();
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const run = changes.then(task, task);
    changes = run.catch(() => {});
    return run;
  };

  const channels = () => new Set([...subscribers].map((s) => s.handlers.channel));
  const channelNames = () => [...channels()].join(",");

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
      application_name: options.applicationName,
    });
    // Until LISTEN succeeded, failures surface through the rejected promise below.
    let established = false;
    let lost = false;
    const onLost = (err?: Error): void => {
      if (!established || lost) return;
      lost = true;
      if (client === c) {
        client = undefined;
        listening.clear();
      }
      c.removeAllListeners("notification");
      void c.end().catch(() => {});
      if (subscribers.size === 0) return;
      logger.warn({ err, channels: channelNames() }, "listen connection lost; reconnecting");
      scheduleReconnect();
    };
    c.on("error", onLost);
    c.on("end", () => onLost());
    c.on("notification", (msg) => {
      for (const s of subscribers) if (s.handlers.channel === msg.channel) s.handlers.onNotify(msg.payload ?? "");
    });
    const wanted = channels();
    try {
      await c.connect();
      for (const channel of wanted) await c.query(`listen ${channel}`);
    } catch (err) {
      void c.end().catch(() => {});
      throw err;
    }
    if (subscribers.size === 0) {
      await c.end().catch(() => {});
      return;
    }
    established = true;
    client = c;
    for (const channel of wanted) listening.add(channel);
    delay = FIRST_RECONNECT_DELAY_MS;
    for (const s of subscribers) if (s.started && listening.has(s.handlers.channel)) s.handlers.onListening();
  }

  function scheduleReconnect(): void {
    if (subscribers.size === 0 || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().catch((err: unknown) => {
        logger.warn({ err, channels: channelNames(), retryInMs: delay }, "listen connection failed");
        scheduleReconnect();
      });
    }, delay);
    delay = Math.min(delay * 2, maxDelay);
  }

  /** After a (re)connect, subscribers may have come for channels it did not LISTEN on yet. */
  async function listenOn(channel: string): Promise<void> {
    const c = client;
    if (!c || listening.has(channel)) return;
    await c.query(`listen ${channel}`);
    if (client === c) listening.add(channel);
  }

  return (handlers) => {
    if (!CHANNEL_NAME.test(handlers.channel)) throw new Error(`invalid channel name "${handlers.channel}"`);
    const subscriber: Subscriber = { handlers, started: false };
    return {
      async start() {
        subscribers.add(subscriber);
        try {
          if (!client && !timer) await (connecting ?? connect());
          await serially(() => listenOn(handlers.channel));
        } catch (err) {
          // The connection could not be opened, or the LISTEN failed: like a
          // listener of its own, this start fails (reconnects are the timer's).
          subscribers.delete(subscriber);
          throw err;
        }
        subscriber.started = true;
        // Listening now (or, if the connection broke meanwhile, the reconnect calls it).
        if (client && listening.has(handlers.channel)) handlers.onListening();
      },
      async stop() {
        if (!subscribers.delete(subscriber)) return;
        subscriber.started = false;
        await connecting?.catch(() => {});
        await serially(async () => {
          const c = client;
          if (subscribers.size === 0) {
            if (timer) clearTimeout(timer);
            timer = undefined;
            client = undefined;
            listening.clear();
            if (c) {
              c.removeAllListeners("notification");
              await c.end().catch(() => {});
            }
          } else if (c && !channels().has(handlers.channel) && listening.delete(handlers.channel)) {
            await c.query(`unlisten ${handlers.channel}`).catch(() => {});
          }
        });
      },
    };
  };
}

/** A listener for one channel on a connection of its own (`jobplane:<channel>`). */
export function createPgListener(options: PgListenerOptions): PgListener {
  const { databaseUrl, logger, maxReconnectDelayMs, ...handlers } = options;
  if (!CHANNEL_NAME.test(handlers.channel)) throw new Error(`invalid channel name "${handlers.channel}"`);
  return createSharedPgListeners({
    databaseUrl,
    logger,
    applicationName: `jobplane:${handlers.channel}`,
    ...(maxReconnectDelayMs === undefined ? {} : { maxReconnectDelayMs }),
  })(handlers);
}

/** Where a component gets its listener: `listen` (a shared connection) when given, else a connection of its own. */
export interface PgListenerSource {
  readonly databaseUrl: string;
  readonly logger: Logger;
  readonly listen?: PgListenerFactory;
}

export function pgListener(source: PgListenerSource, handlers: PgChannelHandlers): PgListener {
  return source.listen
    ? source.listen(handlers)
    : createPgListener({ databaseUrl: source.databaseUrl, logger: source.logger, ...handlers });
}
