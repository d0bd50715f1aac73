/**
 * What every RPC handler factory receives from the composition root. Handlers
 * fork `orm.em` per call (never the global EntityManager) and ask `clock` for
 * the time.
 */
import type { Logger } from "pino";
import type { Clock } from "../../app/clock.js";
import type { EventFeed } from "../../app/event-feed.js";
import type { Authenticator } from "../../app/principal.js";
import type { Orm } from "../postgres/orm.js";

export interface RpcDeps {
  readonly orm: Orm;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly auth: Authenticator;
  /** Aborted when the server starts shutting down: long streams end cleanly then. */
  readonly shutdown: AbortSignal;
  /** The org's job events, replayed and live, for the Watch streams. */
  readonly events: EventFeed;
}
