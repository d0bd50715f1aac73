/**
 * CreditSignals on PostgreSQL: a top-up sends NOTIFY jobplane_credits with
 * the org id (delivered when its transaction commits, and only then), and
 * each instance's one subscriber on the shared LISTEN connection hands it to
 * that org's watchers on the instance. Notifications are hints: after a
 * reconnect every watcher is signalled, because one may have been lost while
 * no session listened.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { CreditSignals } from "../../app/credit-signals.js";
import { pgListener, type PgListenerSource } from "./pg-listener.js";

/** NOTIFY channel of credit movements that have no event (top-ups); the payload is the org id. */
export const CREDITS_CHANNEL = "jobplane_credits";

/** Inside the caller's transaction: the org's watchers hear of it on commit. */
export async function signalCreditsMoved(em: EntityManager, orgId: string): Promise<void> {
  await em.execute(`select pg_notify('${CREDITS_CHANNEL}', ?)`, [orgId]);
}

export interface PgCreditSignals extends CreditSignals {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createPgCreditSignals(source: PgListenerSource): PgCreditSignals {
  const watchers = new Map<string, Set<() => void>>();
  const listener = pgListener(source, {
    channel: CREDITS_CHANNEL,
    onNotify(orgId) {
      for (const signal of watchers.get(orgId) ?? []) signal();
    },
    onListening() {
      for (const set of watchers.values()) for (const signal of set) signal();
    },
  });
  return {
    start: () => listener.start(),
    stop: () => listener.stop(),
    subscribe(orgId, onSignal) {
      let set = watchers.get(orgId);
      if (!set) watchers.set(orgId, (set = new Set()));
      // A wrapper per subscription, so the same function subscribed twice unsubscribes once.
      const entry = (): void => onSignal();
      set.add(entry);
      return () => {
        set.delete(entry);
        if (set.size === 0 && watchers.get(orgId) === set) watchers.delete(orgId);
      };
    },
  };
}
