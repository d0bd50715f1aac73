/**
 * BillingService.WatchBalance: the org's balance now, then again whenever it
 * changed — for dashboards and the gateway's WebSocket hub, which used to
 * call GetBalance after every credit-moving event and spent the key's rate
 * limit doing it. Authenticated once, so one stream is one request against
 * the limit however long it lives.
 *
 * What tells a stream to look again (never a timer, never a LISTEN of its own):
 *   - the org's events on the instance's EventFeed (the one reader that
 *     WatchJobs uses), those that move credits (credit-events.ts);
 *   - CreditSignals, for top-ups, which move credits without an event.
 * Each hint asks the stream's BalanceWatch for a re-read (one primary-key
 * read, coalesced: one in flight, ≥ 250 ms apart), and only a changed
 * (balance, held) is sent.
 *
 * No change is missed: the feed's start (the org's current sequence) is
 * taken and the top-up signal subscribed before the first read, so a
 * movement that commits after that read either has an event above the start
 * — which the feed delivers, replayed or live — or sends its NOTIFY to a
 * subscriber already there.
 *
 * The stream ends cleanly (status OK) when the client goes away or the
 * server is shutting down (deps.shutdown); it fails when a read fails or the
 * feed gives up on it (the client opens a new one).
 */
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { BillingService } from "../../../../proto/gen/jobplane/v1/billing_service_pb.js";
import { createBalanceWatch, type BalanceWatch } from "../../app/balance-watch.js";
import { getBalance } from "../../app/billing.js";
import type { CreditSignals } from "../../app/credit-signals.js";
import type { EventFeed } from "../../app/event-feed.js";
import { movesCredits } from "../../domain/credit-events.js";
import type { CreditLedger } from "../postgres/credit-ledger.js";
import type { RpcDeps } from "./rpc-deps.js";

type WatchBalanceHandler = Pick<ServiceImpl<typeof BillingService>, "watchBalance">;

export interface BalanceWatchDeps extends Pick<RpcDeps, "auth" | "shutdown" | "events"> {
  readonly credits: Pick<CreditLedger, "getBalance">;
  readonly creditSignals: CreditSignals;
  /** Spacing of one stream's reads (default 250 ms). */
  readonly minIntervalMs?: number;
}

/** Hints the watch after each of the org's credit-moving events from `after` on, until `signal` aborts. */
async function followCreditEvents(
  events: EventFeed,
  orgId: string,
  after: bigint,
  watch: BalanceWatch,
  signal: AbortSignal,
): Promise<void> {
  try {
    for await (const event of events.subscribe({ orgId, afterSequence: after, signal })) {
      if (movesCredits(event.type)) watch.changed();
    }
    // The feed stopped (the server is shutting down): end the stream with it.
    watch.stop();
  } catch (err) {
    watch.fail(err);
  }
}

export function createBalanceWatchHandler(deps: BalanceWatchDeps): WatchBalanceHandler {
  return {
    async *watchBalance(_req, ctx: HandlerContext) {
      const principal = await deps.auth.authenticate(ctx.requestHeader.get("authorization"), "billing:read");
      const orgId = principal.orgId;
      const done = new AbortController();
      const signal = AbortSignal.any([ctx.signal, deps.shutdown, done.signal]);
      const watch = createBalanceWatch({
        read: () => getBalance(deps.credits, orgId),
        ...(deps.minIntervalMs === undefined ? {} : { minIntervalMs: deps.minIntervalMs }),
      });
      const unsubscribe = deps.creditSignals.subscribe(orgId, () => watch.changed());
      let following: Promise<void> | undefined;
      try {
        const after = await deps.events.currentSequence(orgId);
        following = followCreditEvents(deps.events, orgId, after, watch, signal);
        watch.changed(); // the current balance, sent first
        for (;;) {
          const b = await watch.next(signal);
          if (b === undefined) return;
          yield { balance: BigInt(b.balance), held: BigInt(b.held), available: BigInt(b.available) };
        }
      } finally {
        unsubscribe();
        watch.stop();
        done.abort();
        await following;
      }
    },
  };
}
