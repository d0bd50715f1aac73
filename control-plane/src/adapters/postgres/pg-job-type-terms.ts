/**
 * JobTypeTermsLookup on PostgreSQL, with a short per-process cache: every
 * claim and every completion needs its type's terms, and the catalog changes
 * rarely (an admin edit is seen within `ttlMs`, default 5 s). A price change
 * thus applies to completions from a few seconds later — the hold, taken at
 * submit, still caps what is charged.
 */
import type { JobTypeTerms, JobTypeTermsLookup } from "../../app/job-type-terms.js";
import type { Orm } from "./orm.js";

interface TermsRow {
  readonly name: string;
  readonly max_execution_seconds: number;
  readonly queue_ttl_seconds: number;
  readonly base_credits: string;
  readonly credits_per_second: string;
}

export interface PgJobTypeTermsOptions {
  /** How long a read is reused, in ms (default 5000; 0 disables the cache). */
  readonly ttlMs?: number;
  /** For the cache's clock only (default Date.now). */
  readonly nowMs?: () => number;
}

export function createPgJobTypeTerms(orm: Orm, options: PgJobTypeTermsOptions = {}): JobTypeTermsLookup {
  const ttlMs = options.ttlMs ?? 5_000;
  const nowMs = options.nowMs ?? Date.now;
  const cache = new Map<string, { readonly at: number; readonly terms: JobTypeTerms }>();

  async function load(name: string): Promise<JobTypeTerms | undefined> {
    const [row] = await orm.em.fork().execute<TermsRow[]>(
      `select name, max_execution_seconds, queue_ttl_seconds, base_credits::text, credits_per_second::text
         from job_types where name = ?`,
      [name],
    );
    if (row === undefined) return undefined;
    return {
      name: row.name,
      maxExecutionSeconds: row.max_execution_seconds,
      queueTtlSeconds: row.queue_ttl_seconds,
      baseCredits: Number(row.base_credits),
      creditsPerSecond: Number(row.credits_per_second),
    };
  }

  return {
    async get(name) {
      const hit = cache.get(name);
      if (hit !== undefined && nowMs() - hit.at < ttlMs) return hit.terms;
      const terms = await load(name);
      if (terms !== undefined && ttlMs > 0) cache.set(name, { at: nowMs(), terms });
      return terms;
    },
  };
}
