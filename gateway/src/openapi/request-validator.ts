/**
 * Request bodies are checked against the OpenAPI document's request schemas
 * before anything reaches the control plane, so the document is the
 * contract in both directions. Ajv's errors become violations whose path is
 * a JSON pointer into the body the client sent ("/inputs/0/url"), the same
 * form the control plane uses for its own checks (params against the job
 * type's schema, plan rules), so clients handle one shape.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { Violation } from "../errors/rest-error.js";

export interface RequestValidator {
  /** The body's violations of the named component schema; [] when valid. */
  violations(schemaName: string, body: unknown): Violation[];
}

function violationOf(e: ErrorObject): Violation {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === "required") return { path: `${e.instancePath}/${String(params.missingProperty)}`, description: "is required" };
  if (e.keyword === "additionalProperties") {
    return { path: `${e.instancePath}/${String(params.additionalProperty)}`, description: "is not a known field" };
  }
  if (e.keyword === "enum") {
    return { path: e.instancePath || "/", description: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
  }
  return { path: e.instancePath || "/", description: e.message ?? e.keyword };
}

export function createRequestValidator(document: unknown): RequestValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  ajv.addSchema(document as object, "openapi");
  const cache = new Map<string, ValidateFunction>();
  return {
    violations(schemaName, body) {
      let fn = cache.get(schemaName);
      if (!fn) {
        fn = ajv.compile({ $ref: `openapi#/components/schemas/${schemaName}` });
        cache.set(schemaName, fn);
      }
      if (fn(body)) return [];
      // allErrors can report one field twice (e.g. type and enum); keep the first per path.
      const seen = new Set<string>();
      return (fn.errors ?? []).map(violationOf).filter((v) => !seen.has(v.path) && (seen.add(v.path), true));
    },
  };
}
