/**
 * Compiled params validators, kept per job type and version. Compiling a
 * schema costs milliseconds (a fresh Ajv with formats, see
 * domain/params-schema.ts) while checking params costs microseconds, so the
 * hot submit path must not compile. Keyed by name and replaced when the
 * type's version (its updated_at) changes: an UpsertJobType on any instance
 * takes effect on the next submit everywhere, and the cache holds at most one
 * validator per type.
 */
import { compileParamsSchema, type ParamsValidator } from "../domain/params-schema.js";
import type { CatalogJobType } from "./job-catalog.js";

export interface ParamsValidatorCache {
  /**
   * The validator for the type's current schema. Throws ParamsSchemaError
   * if a stored schema does not compile — the catalog refuses such schemas,
   * so that is a server fault (INTERNAL_ERROR), not the caller's.
   */
  validatorFor(type: Pick<CatalogJobType, "name" | "version" | "paramsSchema">): ParamsValidator;
}

export function createParamsValidatorCache(): ParamsValidatorCache {
  const byName = new Map<string, { readonly version: string; readonly validate: ParamsValidator }>();
  return {
    validatorFor(type) {
      const cached = byName.get(type.name);
      if (cached !== undefined && cached.version === type.version) return cached.validate;
      const validate = compileParamsSchema(type.paramsSchema);
      byName.set(type.name, { version: type.version, validate });
      return validate;
    },
  };
}
