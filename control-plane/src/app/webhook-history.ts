/**
 * Webhook history retention: settled deliveries (delivered or failed) and
 * their attempt logs are deleted once their last change is older than the
 * retention, so the tables hold recent history instead of growing with every
 * event ever delivered. Pending deliveries are never pruned, however old: they
 * are work, not history. Runs on every instance (periodic-loop.ts); deletes
 * skip rows another instance is deleting, so overlapping passes only share
 * the work.
 */

export interface WebhookHistoryStore {
  /** Deletes up to `limit` settled deliveries last changed before `cutoff`; returns how many. */
  deleteSettledBefore(cutoff: Date, limit: number): Promise<number>;
}

export interface PruneOptions {
  readonly retentionDays: number;
  /** Rows per delete statement (short transactions, no long locks). */
  readonly batchSize?: number;
  /** Statements per pass at most; the next pass goes on where this one stopped. */
  readonly maxBatches?: number;
}

const DAY_MS = 24 * 3600_000;

export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/** One pass: deletes in batches until a batch comes back short; returns the rows deleted. */
export async function pruneWebhookHistory(store: WebhookHistoryStore, now: Date, options: PruneOptions): Promise<number> {
  const batchSize = options.batchSize ?? 1000;
  const maxBatches = options.maxBatches ?? 100;
  const cutoff = retentionCutoff(now, options.retentionDays);
  let deleted = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const n = await store.deleteSettledBefore(cutoff, batchSize);
    deleted += n;
    if (n < batchSize) break;
  }
  return deleted;
}
