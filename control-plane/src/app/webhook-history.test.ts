import { describe, expect, it } from "vitest";
import { pruneWebhookHistory, retentionCutoff, type WebhookHistoryStore } from "./webhook-history.js";

/** A store holding `rows` prunable rows; records each call's cutoff. */
function storeWith(rows: number) {
  const cutoffs: Date[] = [];
  const store: WebhookHistoryStore = {
    async deleteSettledBefore(cutoff, limit) {
      cutoffs.push(cutoff);
      const n = Math.min(limit, rows);
      rows -= n;
      return n;
    },
  };
  return { store, cutoffs, left: () => rows };
}

describe("pruneWebhookHistory", () => {
  const now = new Date("2030-01-31T00:00:00Z");

  it("cuts off at now minus the retention", () => {
    expect(retentionCutoff(now, 30)).toEqual(new Date("2030-01-01T00:00:00Z"));
  });

  it("deletes in batches until one comes back short", async () => {
    const s = storeWith(2500);
    expect(await pruneWebhookHistory(s.store, now, { retentionDays: 30, batchSize: 1000 })).toBe(2500);
    expect(s.cutoffs).toHaveLength(3);
    expect(s.cutoffs.every((c) => c.getTime() === retentionCutoff(now, 30).getTime())).toBe(true);
  });

  it("stops after maxBatches, leaving the rest to the next pass", async () => {
    const s = storeWith(10_000);
    expect(await pruneWebhookHistory(s.store, now, { retentionDays: 30, batchSize: 1000, maxBatches: 2 })).toBe(2000);
    expect(s.left()).toBe(8000);
  });

  it("makes one call when there is nothing to prune", async () => {
    const s = storeWith(0);
    expect(await pruneWebhookHistory(s.store, now, { retentionDays: 1 })).toBe(0);
    expect(s.cutoffs).toHaveLength(1);
  });
});
