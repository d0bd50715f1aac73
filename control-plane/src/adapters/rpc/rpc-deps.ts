/**
 * What every RPC handler factory receives from the composition root. Handlers
 * fork `orm.em` per call (never the global EntityManager) and ask `clock` for
 * the time.
 */
import type { Logger } from "pino";
import type { AfterCommit } from "../../app/after-commit.js";
import type { AgentControlBus } from "../../app/agent-control.js";
import type { Clock } from "../../app/clock.js";
import type { CreditSignals } from "../../app/credit-signals.js";
import type { EventFeed } from "../../app/event-feed.js";
import type { Authenticator } from "../../app/principal.js";
import type { HostResolver } from "../../app/webhook-url-check.js";
import type { AgentSessionSettings } from "../../agent-config.js";
import type { WebhookConfig } from "../../webhook-config.js";
import type { RedriveFilter, RedriveResult } from "../nats/dead-letter-redrive.js";
import type { Orm } from "../postgres/orm.js";

/** The JetStream operations admin calls need. */
export interface DispatchAdmin {
  /** Creates or updates the dispatch consumer of a (new) job type. */
  ensureJobTypeConsumer(type: string): Promise<void>;
  redriveDeadLetters(filter: RedriveFilter): Promise<RedriveResult>;
}

export interface RpcDeps {
  readonly orm: Orm;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly auth: Authenticator;
  /** Aborted when the server starts shutting down: long streams end cleanly then. */
  readonly shutdown: AbortSignal;
  /** The org's job events, replayed and live, for the Watch streams. */
  readonly events: EventFeed;
  /** Credit movements without an event (top-ups), for WatchBalance. */
  readonly creditSignals: CreditSignals;
  /** Effects that leave the database (dispatch nudges, agent notices), run after each commit. */
  readonly afterCommit: AfterCommit;
  /** Cancel pushes between control-plane instances. */
  readonly agentControl: AgentControlBus;
  readonly agentSettings: AgentSessionSettings;
  readonly dispatch: DispatchAdmin;
  /** Retry budget, backoff, disabling, and whether private targets are allowed. */
  readonly webhooks: WebhookConfig;
  /** Resolves webhook hosts for the private-address check (DNS in production). */
  readonly resolveHost: HostResolver;
}
