import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { DomainError } from "../domain/domain-error.js";
import type { AttemptOutcome } from "../domain/webhook-attempt-outcome.js";
import { newWebhookSecret } from "../domain/webhook-secret.js";
import { claimWebhookDeliveries, enqueueWebhookEvents, reportWebhookAttempt } from "./webhook-delivery-queue.js";
import type { AttemptFacts, ClaimedRow, QueuedEvent, ReportedAttempt, WebhookQueue } from "./webhook-store.js";

const config = { maxAttempts: 8, retryBaseMs: 1000, retryMaxMs: 60_000, disableAfterFailures: 50 };
const facts: AttemptFacts = { attempts: 1, maxAttempts: 8, eventType: "job.completed", endpointActive: true, consecutiveFailures: 0 };

/** A queue that records what it is given and answers from `rows`. */
function fakeQueue(rows: ClaimedRow[] = []) {
  const seen: { enqueued: QueuedEvent[]; reported: ReportedAttempt[]; outcomes: AttemptOutcome[] } = { enqueued: [], reported: [], outcomes: [] };
  const queue: WebhookQueue = {
    enqueue: async (events) => (seen.enqueued.push(...events), events.length),
    claim: async () => rows,
    report: async (attempt, decide) => {
      seen.reported.push(attempt);
      seen.outcomes.push(decide(facts));
      return true;
    },
  };
  return { queue, seen };
}

const violationPaths = async (call: Promise<unknown>) => {
  const err = await call.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  return (err as DomainError).violations.map((v) => v.path);
};

describe("enqueueWebhookEvents", () => {
  const event = { eventId: "evt_1", orgId: "org_1", eventType: "job.created", payload: "{}", occurredAt: undefined };

  it("hands a valid batch to the queue, and skips the queue for an empty one", async () => {
    const { queue, seen } = fakeQueue();
    expect(await enqueueWebhookEvents({ queue, clock: () => new Date(), config }, [event])).toBe(1);
    expect(await enqueueWebhookEvents({ queue, clock: () => new Date(), config }, [])).toBe(0);
    expect(seen.enqueued).toEqual([event]);
  });

  it("refuses the whole batch when one event is malformed", async () => {
    const { queue, seen } = fakeQueue();
    const bad = [event, { ...event, orgId: "", eventType: "" }, { ...event, payload: "x".repeat(10) }];
    expect(await violationPaths(enqueueWebhookEvents({ queue, clock: () => new Date(), config }, bad))).toEqual([
      "/events/1/orgId",
      "/events/1/eventType",
      "/events/2/payload",
    ]);
    expect(seen.enqueued).toEqual([]);
  });
});

describe("claimWebhookDeliveries", () => {
  it("signs each claimed delivery at the clock's time with its endpoint's secret", async () => {
    const secret = newWebhookSecret();
    const now = new Date();
    const row: ClaimedRow = {
      deliveryId: "whd_1",
      endpointId: "whe_1",
      eventId: "evt_1",
      url: "https://example.com/",
      attempt: 3,
      payload: '{"type":"job.created"}',
      secrets: { secret, previousSecret: null, previousSecretExpiresAt: null },
    };
    const [claimed] = await claimWebhookDeliveries({ queue: fakeQueue([row]).queue, clock: () => now, config }, 10, 1000);
    expect(claimed).toMatchObject({ deliveryId: "whd_1", attempt: 3, headers: { webhookId: "evt_1", webhookTimestamp: String(Math.floor(now.getTime() / 1000)) } });
    const h = claimed!.headers;
    const headers = { "webhook-id": h.webhookId, "webhook-timestamp": h.webhookTimestamp, "webhook-signature": h.webhookSignature };
    expect(new Webhook(secret).verify(row.payload, headers)).toEqual({ type: "job.created" });
  });

  it("refuses a batch size or lease out of range", async () => {
    const deps = { queue: fakeQueue().queue, clock: () => new Date(), config };
    expect(await violationPaths(claimWebhookDeliveries(deps, 0, 999))).toEqual(["/max", "/leaseMs"]);
    expect(await violationPaths(claimWebhookDeliveries(deps, 101, 600_001))).toEqual(["/max", "/leaseMs"]);
  });
});

describe("reportWebhookAttempt", () => {
  it("trims the excerpt and error to 1 KiB, drops the error of a 2xx, and decides with the config", async () => {
    const { queue, seen } = fakeQueue();
    const deps = { queue, clock: () => new Date(), config, random: () => 1 };
    const base = { deliveryId: "whd_1", attempt: 1, durationMs: 2 ** 32 - 1, responseExcerpt: "r".repeat(2000) };
    await reportWebhookAttempt(deps, { ...base, statusCode: 500, error: "e".repeat(2000) });
    await reportWebhookAttempt(deps, { ...base, statusCode: 200, error: "ignored" });
    expect(seen.reported.map((r) => [r.error.length, r.responseExcerpt.length, r.durationMs])).toEqual([
      [1024, 1024, 2 ** 31 - 1],
      [0, 1024, 2 ** 31 - 1],
    ]);
    expect(seen.outcomes.map((o) => o.delivery)).toEqual([{ kind: "retry", delayMs: 1000 }, { kind: "delivered" }]);
  });

  it("refuses a report without a delivery, attempt or plausible status", async () => {
    const deps = { queue: fakeQueue().queue, clock: () => new Date(), config };
    const report = { deliveryId: "", attempt: 0, statusCode: 1000, error: "", durationMs: 0, responseExcerpt: "" };
    expect(await violationPaths(reportWebhookAttempt(deps, report))).toEqual(["/deliveryId", "/attempt", "/statusCode"]);
  });
});
