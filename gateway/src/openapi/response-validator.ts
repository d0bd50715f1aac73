/**
 * Validates a response against the OpenAPI document's schema for its
 * operation and status (falling back to `default`), with ajv's draft
 * 2020-12 dialect — the dialect OpenAPI 3.1 uses. The end-to-end tests run
 * every response they see through it; kept in src/ because it is pure and
 * only needs the document, which it can take from GET /openapi.json.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

export interface ResponseCheck {
  /** Undefined when the response matches; otherwise what is wrong. */
  readonly problem: string | undefined;
}

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> };

/** Escapes a JSON pointer token. */
const token = (s: string) => s.replaceAll("~", "~0").replaceAll("/", "~1");

export interface ResponseValidator {
  /**
   * Checks one response. `path` is the template ("/jobs/{id}"), `method`
   * lower or upper case; `body` is the parsed JSON (or undefined for non-JSON).
   */
  check(method: string, path: string, status: number, contentType: string | null, body: unknown): ResponseCheck;
  /** Validates `value` against a component schema by name. */
  checkSchema(name: string, value: unknown): ResponseCheck;
}

export function createResponseValidator(document: unknown): ResponseValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  ajv.addSchema(document as object, "openapi");
  const doc = document as Doc;
  const cache = new Map<string, ValidateFunction>();
  const compile = (pointer: string): ValidateFunction => {
    let fn = cache.get(pointer);
    if (!fn) {
      fn = ajv.compile({ $ref: `openapi#${pointer}` });
      cache.set(pointer, fn);
    }
    return fn;
  };
  const run = (fn: ValidateFunction, value: unknown): ResponseCheck => ({
    problem: fn(value) ? undefined : ajv.errorsText(fn.errors, { separator: "; ", dataVar: "body" }),
  });
  return {
    check(method, path, status, contentType, body) {
      const m = method.toLowerCase();
      const op = doc.paths[path]?.[m];
      if (!op) return { problem: `${m.toUpperCase()} ${path} is not in the document` };
      const key = op.responses[String(status)] ? String(status) : op.responses.default ? "default" : undefined;
      if (!key) return { problem: `${m.toUpperCase()} ${path} does not document status ${status}` };
      const content = op.responses[key]!.content;
      if (!content) {
        return { problem: body === undefined || body === "" ? undefined : `status ${status} of ${m.toUpperCase()} ${path} has no body` };
      }
      const mediaType = (contentType ?? "").split(";")[0]!.trim();
      if (!content[mediaType]) {
        return { problem: `${m.toUpperCase()} ${path} ${status}: content type "${mediaType}" is not documented (${Object.keys(content).join(", ")})` };
      }
      if (mediaType !== "application/json") return { problem: undefined };
      return run(compile(`/paths/${token(path)}/${m}/responses/${key}/content/${token(mediaType)}/schema`), body);
    },
    checkSchema(name, value) {
      return run(compile(`/components/schemas/${token(name)}`), value);
    },
  };
}
