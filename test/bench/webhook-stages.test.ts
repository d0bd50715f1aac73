import { describe, expect, it } from "vitest";
import type { Arrival } from "./webhook-receiver.js";
import { stageLatencies } from "./webhook-stages.js";

const arrival = (id: string, atMs: number): Arrival => ({
  atMs,
  webhookId: id,
  webhookTimestamp: "0",
  webhookSignature: "",
  userAgent: "",
  body: "{}",
});

describe("stageLatencies", () => {
  it("gives relayed, enqueued and received from the moment the event occurred", () => {
    const split = stageLatencies(
      [
        { eventId: "evt_a", occurredMs: 1000, publishedMs: 1010, enqueuedMs: 1030 },
        { eventId: "evt_b", occurredMs: 2000, publishedMs: 2020, enqueuedMs: 2050 },
      ],
      [arrival("evt_a", 1100), arrival("evt_b", 2200)],
    );
    expect(split.occurredToRelayedMs).toMatchObject({ count: 2, min: 10, max: 20 });
    expect(split.occurredToEnqueuedMs).toMatchObject({ min: 30, max: 50 });
    expect(split.occurredToReceivedMs).toMatchObject({ min: 100, max: 200 });
  });

  it("skips events that did not arrive, and a relay time the row does not have", () => {
    const split = stageLatencies(
      [
        { eventId: "evt_a", occurredMs: 1000, publishedMs: null, enqueuedMs: 1030 },
        { eventId: "evt_b", occurredMs: 1000, publishedMs: 1005, enqueuedMs: 1030 },
        { eventId: "evt_lost", occurredMs: 1000, publishedMs: 1001, enqueuedMs: 1002 },
      ],
      [arrival("evt_a", 1100), arrival("evt_b", 1100)],
    );
    expect(split.occurredToRelayedMs.count).toBe(1);
    expect(split.occurredToReceivedMs.count).toBe(2);
  });
});
