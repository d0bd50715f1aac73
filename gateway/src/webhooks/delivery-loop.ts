/**
 * The delivery loop: lease due deliveries from the control plane, POST each,
 * report each attempt. The control plane owns every decision (what is due,
 * the retry schedule, disabling an endpoint); this loop only moves bytes, so
 * any number of gateways can run it side by side.
 *
 * Loop states:
 *   idle       waits for one of: wake() (the intake created deliveries), the
 *              poll timer (retries come due; every pollMs), a slot freeing up,
 *              stop(). → claiming when a slot is free and work may be due
 *              (woken, poll time reached, or the last claim came back full).
 *   claiming   ClaimWebhookDeliveries(max = free slots ≤ 100, lease_ms). Each
 *              claimed delivery starts at once (below). A full answer means
 *              more may wait: claim again as soon as a slot is free; a short
 *              one: idle until the next poll or wake. A failed claim is
 *              logged and retried after a backoff. → idle
 *   stopping   stop(): no more claims; in-flight deliveries get graceMs to
 *              finish (POST and report); then the rest are aborted unreported.
 * Per delivery (holding one of `concurrency` slots throughout):
 *   POST (webhook-poster.ts) → log + metrics → ReportWebhookAttempt, retried
 *   with backoff while the lease lasts. A report that never arrives is safe:
 *   the lease runs out and some gateway claims the delivery again (same
 *   webhook-id, so receivers drop the duplicate if the POST had landed).
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type {
  ClaimedWebhookDelivery,
  ReportWebhookAttemptRequestSchema,
} from "../../../proto/gen/jobplane/v1/webhook_delivery_service_pb.js";
import type { WebhookMetrics } from "../ops/metrics.js";
import { backoffDelay } from "../realtime/backoff.js";
import { abortableSleep } from "./nats-connection.js";
import { isDelivered, type PostOutcome } from "./webhook-poster.js";

/** ClaimWebhookDeliveries takes at most this many per call. */
export const MAX_CLAIM = 100;

export type ReportRequest = MessageInitShape<typeof ReportWebhookAttemptRequestSchema>;

export interface DeliveryLoopOptions {
  /** Leases up to `max` due deliveries for `leaseMs`. */
  readonly claim: (max: number, leaseMs: number, signal: AbortSignal) => Promise<ClaimedWebhookDelivery[]>;
  /** Records an attempt; resolves false when the report was stale (ignored). */
  readonly report: (report: ReportRequest, signal: AbortSignal) => Promise<boolean>;
  /** POSTs one delivery (webhook-poster.ts, with the timeout and address policy bound). */
  readonly post: (delivery: ClaimedWebhookDelivery, signal: AbortSignal) => Promise<PostOutcome>;
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly log: Logger;
  readonly metrics: WebhookMetrics;
  /** Backoff of failed claims and reports (defaults 250 ms doubling to 10 s, jittered). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  readonly random?: () => number;
  readonly now?: () => number;
}

export interface DeliveryLoop {
  start(): void;
  /** Work may be due now (deliveries were just created): claim without waiting for the poll. */
  wake(): void;
  /** Stops claiming; waits up to graceMs for in-flight deliveries, then aborts the rest. */
  stop(graceMs: number): Promise<void>;
}

/** The metric label of an attempt. */
export function attemptOutcome(o: PostOutcome): string {
  if (o.kind !== "answered") return o.kind;
  return isDelivered(o) ? "delivered" : "http_error";
}

/** The event type inside a claimed body, for logs ({"type": …}); "" when unreadable. */
export function payloadType(payload: string): string {
  try {
    const type = (JSON.parse(payload) as { type?: unknown }).type;
    return typeof type === "string" ? type : "";
  } catch {
    return "";
  }
}

export function createDeliveryLoop(options: DeliveryLoopOptions): DeliveryLoop {
  const { log, metrics, concurrency, leaseMs, pollMs } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? (() => 0.5 + Math.random() / 2);
  const backoff = (n: number) => backoffDelay(n, options.retryBaseMs ?? 250, options.retryMaxMs ?? 10_000, random);
  const stopping = new AbortController();
  const hardStop = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let running: Promise<void> | undefined;
  /** Work may be waiting: claim as soon as a slot is free. */
  let due = true;
  let nudge: (() => void) | undefined;
  const notify = () => {
    nudge?.();
    nudge = undefined;
  };

  /** Resolves on notify(), stop(), or after `ms` (never, when undefined). */
  function idle(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      if (stopping.signal.aborted) return resolve();
      const timer = ms === undefined ? undefined : setTimeout(() => notify(), ms);
      nudge = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async function report(d: ClaimedWebhookDelivery, o: PostOutcome, leaseEndsAt: number, fields: Record<string, unknown>): Promise<void> {
    const request: ReportRequest = {
      deliveryId: d.deliveryId,
      attempt: d.attempt,
      statusCode: o.statusCode,
      error: o.error,
      durationMs: o.durationMs,
      responseExcerpt: o.responseExcerpt,
    };
    for (let failures = 1; ; failures++) {
      try {
        const recorded = await options.report(request, hardStop.signal);
        if (!recorded) log.info(fields, "webhook attempt report was stale (the delivery moved on): ignored");
        return;
      } catch (err) {
        metrics.rpcFailures.inc({ rpc: "report" });
        const delay = backoff(failures);
        if (hardStop.signal.aborted || now() + delay >= leaseEndsAt) {
          log.warn({ ...fields, err: (err as Error).message }, "webhook attempt not reported; the delivery is claimed again after its lease");
          return;
        }
        log.warn({ ...fields, err: (err as Error).message, retryInMs: delay }, "webhook attempt report failed; retrying");
        await abortableSleep(delay, hardStop.signal);
      }
    }
  }

  async function deliver(d: ClaimedWebhookDelivery, leaseEndsAt: number): Promise<void> {
    const outcome = await options.post(d, hardStop.signal);
    const label = attemptOutcome(outcome);
    metrics.attempts.inc({ outcome: label });
    metrics.attemptDuration.observe({ outcome: label }, outcome.durationMs / 1000);
    const fields = {
      deliveryId: d.deliveryId,
      endpointId: d.endpointId,
      eventType: payloadType(d.payload),
      attempt: d.attempt,
      statusCode: outcome.statusCode,
      ms: outcome.durationMs,
      outcome: label,
      ...(outcome.error ? { error: outcome.error } : {}),
    };
    if (outcome.kind === "aborted") {
      log.warn(fields, "webhook attempt aborted by shutdown; the delivery is claimed again after its lease");
      return;
    }
    log.info(fields, "webhook attempt");
    await report(d, outcome, leaseEndsAt, fields);
  }

  function launch(d: ClaimedWebhookDelivery, leaseEndsAt: number): void {
    metrics.inFlight.inc();
    const task: Promise<void> = deliver(d, leaseEndsAt)
      .catch((err: unknown) => log.error({ err, deliveryId: d.deliveryId }, "webhook delivery crashed"))
      .finally(() => {
        inFlight.delete(task);
        metrics.inFlight.dec();
        notify();
      });
    inFlight.add(task);
  }

  async function loop(): Promise<void> {
    let nextPollAt = now();
    let claimFailures = 0;
    while (!stopping.signal.aborted) {
      const free = concurrency - inFlight.size;
      if (free <= 0) {
        await idle(undefined); // a slot freeing up notifies
        continue;
      }
      if (!due && now() < nextPollAt) {
        await idle(nextPollAt - now());
        continue;
      }
      due = false;
      const max = Math.min(free, MAX_CLAIM);
      const claimedAt = now();
      let claimed: ClaimedWebhookDelivery[];
      try {
        claimed = await options.claim(max, leaseMs, stopping.signal);
        claimFailures = 0;
      } catch (err) {
        if (stopping.signal.aborted) return;
        metrics.rpcFailures.inc({ rpc: "claim" });
        const delay = backoff(++claimFailures);
        log.warn({ err: (err as Error).message, retryInMs: delay }, "webhook claim failed; retrying");
        await abortableSleep(delay, stopping.signal);
        due = true;
        continue;
      }
      for (const d of claimed) launch(d, claimedAt + leaseMs);
      if (claimed.length >= max) due = true;
      else nextPollAt = now() + pollMs;
    }
  }

  return {
    start() {
      running ??= loop().catch((err: unknown) => log.error({ err }, "webhook delivery loop crashed"));
    },
    wake() {
      due = true;
      notify();
    },
    async stop(graceMs) {
      stopping.abort();
      notify();
      await running;
      if (inFlight.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<"grace over">((resolve) => (timer = setTimeout(() => resolve("grace over"), graceMs)));
        const settled = await Promise.race([Promise.allSettled([...inFlight]), graceOver]);
        clearTimeout(timer);
        if (settled === "grace over") {
          log.warn({ inFlight: inFlight.size }, "grace period over: aborting webhook attempts in flight");
          hardStop.abort();
          await Promise.allSettled([...inFlight]);
        }
      }
    },
  };
}
