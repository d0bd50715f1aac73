/**
 * What one reported webhook attempt does to its delivery and its endpoint.
 * Pure: the adapter loads the rows, asks here, and writes the answer in the
 * same transaction.
 *
 *   delivery  pending ──2xx──────────────────────────▶ delivered
 *             pending ──fail, attempts < max──▶ pending (next_at = now + retry delay)
 *             pending ──fail, attempts ≥ max──▶ failed   (RedeliverWebhook makes it pending again)
 *   endpoint  2xx: the failure run restarts at 0
 *             failure: the run grows by 1; the endpoint is disabled (active = false, with the
 *             reason) when the run reaches the configured length, or at once on 410 Gone,
 *             which a receiver answers to say "stop sending here".
 * webhook.test deliveries never touch the endpoint: a test must not disable
 * an endpoint, nor hide a real failure run by succeeding.
 */
import { attemptsExhausted, retryDelayMs, type RetryPolicy } from "./webhook-retry.js";

export interface AttemptReport {
  /** The HTTP status; 0 when there was no answer. */
  readonly statusCode: number;
  /** Why it failed (timeout, connection refused …); empty on an answer. */
  readonly error: string;
}

export interface AttemptContext {
  /** Attempts made, this one included. */
  readonly attempts: number;
  readonly maxAttempts: number;
  /** A webhook.test delivery. */
  readonly isTest: boolean;
  readonly endpointActive: boolean;
  readonly consecutiveFailures: number;
  /** JOBPLANE_WEBHOOK_DISABLE_AFTER_FAILURES. */
  readonly disableAfterFailures: number;
  readonly retry: RetryPolicy;
  readonly random?: () => number;
}

export type DeliveryNext =
  | { readonly kind: "delivered" }
  | { readonly kind: "failed" }
  | { readonly kind: "retry"; readonly delayMs: number };

export type EndpointChange =
  | { readonly kind: "unchanged" }
  | { readonly kind: "resetRun" }
  | { readonly kind: "extendRun"; readonly consecutiveFailures: number; readonly disabledReason: string | null };

export interface AttemptOutcome {
  readonly ok: boolean;
  readonly delivery: DeliveryNext;
  /** The delivery's last_error: null after a success. */
  readonly lastError: string | null;
  readonly endpoint: EndpointChange;
}

export const HTTP_GONE = 410;

export function isSuccessStatus(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

/** A short account of a failed attempt: the receiver's status, else the transport error. */
export function describeFailure(report: AttemptReport): string {
  if (report.statusCode > 0) return report.error === "" ? `HTTP ${report.statusCode}` : `HTTP ${report.statusCode}: ${report.error}`;
  return report.error === "" ? "no answer" : report.error;
}

export function decideAttemptOutcome(report: AttemptReport, ctx: AttemptContext): AttemptOutcome {
  if (isSuccessStatus(report.statusCode)) {
    return {
      ok: true,
      delivery: { kind: "delivered" },
      lastError: null,
      endpoint: ctx.isTest ? { kind: "unchanged" } : { kind: "resetRun" },
    };
  }
  const lastError = describeFailure(report);
  const delivery: DeliveryNext = attemptsExhausted(ctx.attempts, ctx.maxAttempts)
    ? { kind: "failed" }
    : { kind: "retry", delayMs: retryDelayMs(ctx.attempts, ctx.retry, ctx.random) };
  if (ctx.isTest) return { ok: false, delivery, lastError, endpoint: { kind: "unchanged" } };

  const run = ctx.consecutiveFailures + 1;
  let disabledReason: string | null = null;
  // An endpoint already inactive keeps the reason it has (e.g. the user's).
  if (ctx.endpointActive && report.statusCode === HTTP_GONE) {
    disabledReason = "the endpoint answered 410 Gone";
  } else if (ctx.endpointActive && run >= ctx.disableAfterFailures) {
    disabledReason = `disabled after ${run} consecutive failed attempts; last: ${lastError}`;
  }
  return { ok: false, delivery, lastError, endpoint: { kind: "extendRun", consecutiveFailures: run, disabledReason } };
}
