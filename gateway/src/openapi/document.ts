/**
 * The OpenAPI 3.1 document served at GET /openapi.json, built from the
 * operation list and the component schemas. Pure and deterministic: the
 * same object for every request, and what the tests validate responses
 * against (response-validator.ts).
 */
import { operations, type OperationSpec } from "./operations.js";
import { schemas } from "./schemas.js";

export const API_VERSION = "1.0.0";

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "VALIDATION_ERROR (details.violations name each field) or INVALID_JOB_TYPE",
  401: "UNAUTHORIZED: missing, unknown, expired or revoked API key",
  402: "INSUFFICIENT_CREDITS",
  403: "FORBIDDEN (scope, suspended org) or PLAN_LIMIT (details.metadata.limit)",
  404: "NOT_FOUND (also another org's resource)",
  409: "CONFLICT: the resource's state forbids it (e.g. cancelling a complete job)",
  413: "PAYLOAD_TOO_LARGE: the body exceeds the gateway's limit",
  415: "UNSUPPORTED_MEDIA_TYPE: send Content-Type: application/json",
  426: "UPGRADE_REQUIRED: connect with a WebSocket client",
  429: "RATE_LIMITED: wait Retry-After seconds",
  503: "UNAVAILABLE: the control plane (or its database) cannot be reached; retry after Retry-After seconds",
};

/** Statuses that always carry Retry-After. */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

const errorContent = { "application/json": { schema: { $ref: "#/components/schemas/ErrorEnvelope" } } };
const requestIdHeader = { "X-Request-Id": { $ref: "#/components/headers/RequestId" } };

/** The {name} segments of a path template. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

function operationObject(operationId: string, op: OperationSpec): Record<string, unknown> {
  const parameters = [
    ...pathParams(op.path).map((name) => ({ name, in: "path", required: true, schema: { type: "string" } })),
    ...(op.params ?? []).map((p) => ({ name: p.name, in: p.in, required: false, description: p.description, schema: p.schema })),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const content = r.schema
      ? { "application/json": { schema: { $ref: `#/components/schemas/${r.schema}` } } }
      : r.contentType
        ? { [r.contentType]: { schema: { type: r.contentType === "application/json" ? "object" : "string" } } }
        : undefined;
    responses[status] = { description: r.description, headers: requestIdHeader, ...(content ? { content } : {}) };
  }
  for (const status of op.errors) {
    const headers = RETRY_AFTER_STATUSES.has(status) ? { ...requestIdHeader, "Retry-After": { $ref: "#/components/headers/RetryAfter" } } : requestIdHeader;
    responses[String(status)] = { description: ERROR_DESCRIPTIONS[status] ?? "Error", headers, content: errorContent };
  }
  responses.default = {
    description: "Any other error (e.g. 405, 413, 500 INTERNAL_ERROR, 504 UPSTREAM_TIMEOUT: the control plane did not answer in time)",
    headers: requestIdHeader,
    content: errorContent,
  };
  return {
    operationId,
    summary: op.summary,
    tags: [op.tag],
    ...(op.auth ? { security: [{ bearerAuth: [] }] } : { security: [] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? { requestBody: { required: op.bodyOptional !== true, content: { "application/json": { schema: { $ref: `#/components/schemas/${op.body}` } } } } }
      : {}),
    responses,
  };
}

function buildDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [id, op] of Object.entries(operations) as [string, OperationSpec][]) {
    (paths[op.path] ??= {})[op.method.toLowerCase()] = operationObject(id, op);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "jobplane gateway",
      version: API_VERSION,
      description:
        "REST, server-sent events and WebSocket access to jobplane. Every call takes `Authorization: Bearer <api key>`; " +
        "errors are `{error: {code, message, details}}`; every response carries X-Request-Id. Timestamps are unix milliseconds.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    tags: [
      { name: "jobs", description: "Submit, inspect, control and follow jobs" },
      { name: "billing", description: "Credits and usage" },
      { name: "api-keys", description: "The org's API keys" },
      { name: "webhooks", description: "Signed webhooks: the org's endpoints, their deliveries and secrets" },
      { name: "realtime", description: "The per-org WebSocket hub" },
      { name: "ops", description: "Health, metrics, this document" },
    ],
    paths,
    components: {
      schemas,
      headers: {
        RequestId: { description: "The request's id: the caller's valid X-Request-Id, or a new one", schema: { type: "string" } },
        RetryAfter: { description: "Seconds to wait before retrying", schema: { type: "integer", minimum: 1 } },
      },
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "An API key (jp_live_… or jp_test_…)" } },
    },
  };
}

/** The document (built once). */
export const openApiDocument: Readonly<Record<string, unknown>> = buildDocument();
