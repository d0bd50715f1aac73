/**
 * JobCatalog on PostgreSQL (table job_types). Nothing is cached here: a
 * submit reads its type fresh (one primary-key lookup), so an UpsertJobType
 * on any instance applies to the next submit everywhere; the expensive part,
 * compiling the schema, is cached by the app layer on (name, updated_at).
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { CatalogJobType, JobCatalog } from "../../app/job-catalog.js";
import type { JobTypeDefinition } from "../../domain/job-type-rules.js";
import type { Orm } from "./orm.js";

/** The job_types row as `to_jsonb` renders it (bigints as numbers, timestamps as ISO-8601 with µs). */
interface JobTypeRowJson {
  readonly name: string;
  readonly description: string;
  readonly params_schema: Record<string, unknown>;
  readonly max_execution_seconds: number;
  readonly queue_ttl_seconds: number;
  readonly base_credits: number;
  readonly credits_per_second: number;
  readonly allowed_plans: string[];
  readonly updated_at: string;
}

function fromRow(row: JobTypeRowJson): CatalogJobType {
  return {
    name: row.name,
    description: row.description,
    paramsSchema: row.params_schema,
    maxExecutionSeconds: row.max_execution_seconds,
    queueTtlSeconds: row.queue_ttl_seconds,
    baseCredits: Number(row.base_credits),
    creditsPerSecond: Number(row.credits_per_second),
    allowedPlans: row.allowed_plans,
    version: row.updated_at,
  };
}

async function select(em: EntityManager, where: string, params: readonly unknown[]): Promise<CatalogJobType[]> {
  const rows = await em.execute<{ t: JobTypeRowJson }[]>(
    `select to_jsonb(t) as t from job_types t where ${where} order by t.name`,
    [...params],
  );
  return rows.map((r) => fromRow(r.t));
}

const UPSERT = `
  insert into job_types as t (name, description, params_schema, max_execution_seconds, queue_ttl_seconds,
                              base_credits, credits_per_second, allowed_plans)
  values (?, ?, ?::jsonb, ?, ?, ?, ?, array(select jsonb_array_elements_text(?::jsonb)))
  on conflict (name) do update set
    description = excluded.description,
    params_schema = excluded.params_schema,
    max_execution_seconds = excluded.max_execution_seconds,
    queue_ttl_seconds = excluded.queue_ttl_seconds,
    base_credits = excluded.base_credits,
    credits_per_second = excluded.credits_per_second,
    allowed_plans = excluded.allowed_plans,
    -- clock_timestamp, not now(): two upserts in one transaction still get two versions.
    updated_at = clock_timestamp()
  returning to_jsonb(t) as t`;

export function createPgJobCatalog(orm: Orm): JobCatalog {
  return {
    async find(name) {
      const [type] = await select(orm.em.fork(), "t.name = ?", [name]);
      return type;
    },
    listForPlan: (plan) => select(orm.em.fork(), "? = any(t.allowed_plans)", [plan]),
    async upsert(def: JobTypeDefinition) {
      const [row] = await orm.em.fork().execute<{ t: JobTypeRowJson }[]>(UPSERT, [
        def.name,
        def.description,
        JSON.stringify(def.paramsSchema),
        def.maxExecutionSeconds,
        def.queueTtlSeconds,
        def.baseCredits,
        def.creditsPerSecond,
        JSON.stringify(def.allowedPlans),
      ]);
      if (row === undefined) throw new Error(`upsert of job type ${def.name} returned no row`);
      return fromRow(row.t);
    },
    async planNames() {
      const rows = await orm.em.fork().execute<{ name: string }[]>("select name from plans");
      return new Set(rows.map((r) => r.name));
    },
  };
}
