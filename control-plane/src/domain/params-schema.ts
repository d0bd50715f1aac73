/**
 * Job params are checked against their job type's JSON Schema (draft
 * 2020-12) with Ajv, the validator the JSON Schema project itself lists as
 * the maintained choice for JavaScript. A user who sends bad params gets
 * every violation at once, each with the JSON pointer of the offending value,
 * instead of fixing one field per round trip.
 *
 * Choices:
 * - `allErrors: true`: report every violation, not the first.
 * - `strict: false`: an operator's schema may carry annotations or vendor
 *   keywords (`x-ui`, …); refusing them would make UpsertJobType fail on
 *   schemas that other tools accept. Structurally invalid schemas are still
 *   rejected, because Ajv validates every schema against the 2020-12
 *   meta-schema before compiling it.
 * - One shared Ajv instance, and each schema removed from it right after
 *   compiling: the compiled function keeps working on its own, two types'
 *   schemas with the same `$id` never collide, and replaced schemas are not
 *   kept alive by the instance. Measured: ~3 ms per compile this way against
 *   ~50 ms with a fresh instance per compile (the 2020-12 meta-schema and
 *   the formats are compiled once per instance). Compiling happens only on a
 *   cache miss (app/params-validator-cache.ts) and is synchronous, so no
 *   two compiles interleave on the instance.
 * - Remote `$ref`s are not fetched: a schema referring to one is rejected.
 */
import type { ErrorObject } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormatsModule from "ajv-formats";
import type { Violation } from "./domain-error.js";

/**
 * ajv-formats is CommonJS with `exports.default`; under NodeNext the default
 * import is typed as the module object but is the plugin at run time. Accept
 * either shape so the code works whichever way a bundler resolves it.
 */
type FormatsPlugin = (typeof ajvFormatsModule)["default"];
const addFormats: FormatsPlugin =
  typeof ajvFormatsModule === "function"
    ? (ajvFormatsModule as unknown as FormatsPlugin)
    : (ajvFormatsModule as { default: FormatsPlugin }).default;

/** Every violation of a params value; empty when the value is valid. */
export type ParamsValidator = (params: unknown) => readonly Violation[];

/** A JSON Schema that cannot be used: not an object, not valid 2020-12, or with unresolvable refs. */
export class ParamsSchemaError extends Error {
  override readonly name = "ParamsSchemaError";
}

/** RFC 6901 escaping of one property name for a JSON pointer. */
function pointerToken(name: string): string {
  return name.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * One Ajv error as a violation. `required` and `additionalProperties` are
 * reported at the property they name rather than at its parent object, so
 * the path points at what the user must add or remove.
 */
function toViolation(error: ErrorObject): Violation {
  const params = error.params as Record<string, unknown>;
  let path = error.instancePath;
  let description = error.message ?? `fails "${error.keyword}"`;
  if (error.keyword === "required" && typeof params.missingProperty === "string") {
    path += `/${pointerToken(params.missingProperty)}`;
    description = "is required";
  } else if (error.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
    path += `/${pointerToken(params.additionalProperty)}`;
    description = "is not allowed";
  } else if (error.keyword === "enum" && Array.isArray(params.allowedValues)) {
    description = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  } else if (error.keyword === "const" && "allowedValue" in params) {
    description = `must be ${JSON.stringify(params.allowedValue)}`;
  }
  return { path: path === "" ? "/" : path, description };
}

/** Violations in Ajv's order, without repeats (allErrors can report one twice through anyOf/oneOf branches). */
function uniqueViolations(errors: readonly ErrorObject[]): Violation[] {
  const seen = new Set<string>();
  const out: Violation[] = [];
  for (const error of errors) {
    const v = toViolation(error);
    const key = `${v.path}\u0000${v.description}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
  }
  return out;
}

let ajvInstance: Ajv2020 | undefined;

function sharedAjv(): Ajv2020 {
  if (ajvInstance === undefined) {
    ajvInstance = new Ajv2020({ allErrors: true, strict: false, logger: false });
    addFormats(ajvInstance);
  }
  return ajvInstance;
}

/** Drops `schema` (by object and by `$id`) from the instance's registry. */
function forget(ajv: Ajv2020, schema: Record<string, unknown>): void {
  ajv.removeSchema(schema);
  if (typeof schema.$id === "string") ajv.removeSchema(schema.$id);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Compiles `schema` into a validator. Throws ParamsSchemaError, with Ajv's
 * explanation, when the schema is not usable.
 */
export function compileParamsSchema(schema: unknown): ParamsValidator {
  if (!isPlainObject(schema)) throw new ParamsSchemaError("params schema must be a JSON object");
  const ajv = sharedAjv();
  let validate: ReturnType<Ajv2020["compile"]>;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ParamsSchemaError(`params schema is not a valid JSON Schema (draft 2020-12): ${reason}`, { cause: err });
  } finally {
    forget(ajv, schema);
  }
  return (params) => (validate(params) ? [] : uniqueViolations(validate.errors ?? []));
}

/** The reason `schema` cannot be compiled, or undefined when it can. For checks that report rather than throw. */
export function paramsSchemaProblem(schema: unknown): string | undefined {
  try {
    compileParamsSchema(schema);
    return undefined;
  } catch (err) {
    if (err instanceof ParamsSchemaError) return err.message;
    throw err;
  }
}
