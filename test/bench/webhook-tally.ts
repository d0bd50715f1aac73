/**
 * What the bench concludes from the webhooks an endpoint received, checked
 * after the phase so that none of it slows the receiver down:
 *
 *  - exactly once: every expected event id arrived once as `webhook-id`,
 *    nothing else arrived, and no id twice — otherwise the bench fails,
 *    naming what is missing, duplicated or unexpected (a fast figure from a
 *    pipeline that loses or repeats events would be worthless);
 *  - signatures: an evenly spread sample (the first and last arrivals
 *    included) verifies with `standardwebhooks` and the endpoint's secret,
 *    as a user's server would verify it;
 *  - latency: arrival at the receiver − the job's `completedAt` from the
 *    body (unix ms, the control plane's commit of the completion), per
 *    job.completed;
 *  - rate: arrivals per second over a window.
 *
 * No I/O; `verifySample` reads the clock (standardwebhooks refuses a
 * timestamp more than 5 minutes off), so call it right after the phase.
 */
import { Webhook } from "standardwebhooks";
import type { Arrival } from "./webhook-receiver.js";

/** Throws unless each of `expectedIds` arrived exactly once and nothing else arrived. */
export function checkExactlyOnce(label: string, arrivals: readonly Arrival[], expectedIds: readonly string[]): void {
  const expected = new Set(expectedIds);
  const seen = new Map<string, number>();
  for (const a of arrivals) seen.set(a.webhookId, (seen.get(a.webhookId) ?? 0) + 1);
  const missing = [...expected].filter((id) => !seen.has(id));
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
  const unexpected = [...seen.keys()].filter((id) => !expected.has(id));
  if (missing.length + duplicated.length + unexpected.length === 0) return;
  const some = (ids: string[]) => `${ids.length}${ids.length > 0 ? ` (e.g. ${ids.slice(0, 3).join(", ")})` : ""}`;
  throw new Error(
    `webhooks ${label}: ${arrivals.length} received for ${expected.size} events — ` +
      `missing ${some(missing)}, duplicated ${some(duplicated)}, unexpected ${some(unexpected)}`,
  );
}

/** Up to `size` arrivals evenly spread over the list, the first and the last always among them. */
export function sampleOf<T>(items: readonly T[], size: number): T[] {
  if (items.length <= size) return [...items];
  if (size <= 1) return items.slice(0, size);
  const step = (items.length - 1) / (size - 1);
  return Array.from({ length: size }, (_, i) => items[Math.round(i * step)]!);
}

/** Verifies a sample with the endpoint's secret; throws on the first that fails. Returns how many were checked. */
export function verifySample(label: string, arrivals: readonly Arrival[], secret: string, size: number): number {
  const webhook = new Webhook(secret);
  const sample = sampleOf(arrivals, size);
  for (const a of sample) {
    try {
      webhook.verify(a.body, {
        "webhook-id": a.webhookId,
        "webhook-timestamp": a.webhookTimestamp,
        "webhook-signature": a.webhookSignature,
      });
    } catch (err) {
      throw new Error(`webhooks ${label}: ${a.webhookId} does not verify: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return sample.length;
}

interface CompletedBody {
  readonly type?: unknown;
  readonly data?: { readonly id?: unknown; readonly completedAt?: unknown } | null;
}

/** job.completed arrivals → their job id and completed-to-received milliseconds. */
export function completionLatencies(arrivals: readonly Arrival[]): { jobId: string; ms: number }[] {
  return arrivals.map((a) => {
    const body = JSON.parse(a.body) as CompletedBody;
    const completedAt = body.data?.completedAt;
    if (body.type !== "job.completed" || typeof completedAt !== "number" || typeof body.data?.id !== "string") {
      throw new Error(`webhook ${a.webhookId} is not a job.completed with data.id and data.completedAt: ${a.body.slice(0, 200)}`);
    }
    return { jobId: body.data.id, ms: a.atMs - completedAt };
  });
}

export interface Rate {
  readonly count: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/** Arrivals per second from `fromMs` (default: the first arrival) to the last arrival. */
export function arrivalRate(arrivals: readonly Arrival[], fromMs?: number): Rate {
  if (arrivals.length === 0) return { count: 0, seconds: 0, perSecond: 0 };
  let first = Infinity;
  let last = -Infinity;
  for (const a of arrivals) {
    first = Math.min(first, a.atMs);
    last = Math.max(last, a.atMs);
  }
  const seconds = (last - (fromMs ?? first)) / 1000;
  return { count: arrivals.length, seconds, perSecond: seconds > 0 ? arrivals.length / seconds : 0 };
}
