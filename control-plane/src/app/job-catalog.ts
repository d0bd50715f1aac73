/**
 * The job-type catalog: the JobCatalog port and the use cases that read and
 * write it. Every submit and retry reads its type here (the schema and price
 * in force now, so an UpsertJobType applies to the very next call on every
 * instance); ListJobTypes shows a plan its types; UpsertJobType validates a
 * definition completely before it is stored.
 */
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { DomainError, validationError } from "../domain/domain-error.js";
import { checkJobTypeDefinition, type JobTypeDefinition } from "../domain/job-type-rules.js";

/** A stored job type. */
export interface CatalogJobType extends JobTypeDefinition {
  /**
   * Changes with every write of the row (its updated_at, to the
   * microsecond): caches of derived data, such as compiled validators, key
   * on (name, version).
   */
  readonly version: string;
}

export interface JobCatalog {
  /** The type named `name`, or undefined. */
  find(name: string): Promise<CatalogJobType | undefined>;
  /** The types whose allowed_plans include `plan`, by name. */
  listForPlan(plan: string): Promise<CatalogJobType[]>;
  /** Creates or replaces the type named `def.name`; returns it as stored. */
  upsert(def: JobTypeDefinition): Promise<CatalogJobType>;
  /** The names of every plan. */
  planNames(): Promise<ReadonlySet<string>>;
}

/** The type named `name`; INVALID_JOB_TYPE when the catalog has none. */
export async function requireJobType(catalog: Pick<JobCatalog, "find">, name: string): Promise<CatalogJobType> {
  const type = await catalog.find(name);
  if (type === undefined) {
    throw new DomainError(ErrorCode.INVALID_JOB_TYPE, `unknown job type "${name.slice(0, 64)}"`);
  }
  return type;
}

/** ListJobTypes: what the caller's plan may submit. */
export function listJobTypes(catalog: Pick<JobCatalog, "listForPlan">, plan: string): Promise<CatalogJobType[]> {
  return catalog.listForPlan(plan);
}

/**
 * UpsertJobType: stores `def` after checking all of it (name, schema,
 * times, prices, plans); VALIDATION_ERROR with every problem otherwise.
 * `pathPrefix` locates the definition inside the request for the violations.
 */
export async function upsertJobType(catalog: JobCatalog, def: JobTypeDefinition, pathPrefix = ""): Promise<CatalogJobType> {
  const violations = checkJobTypeDefinition(def, await catalog.planNames(), pathPrefix);
  if (violations.length > 0) throw validationError(violations);
  return catalog.upsert({ ...def, allowedPlans: [...new Set(def.allowedPlans)] });
}
