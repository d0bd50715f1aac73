/**
 * The JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of every REST body:
 * the components of the OpenAPI document. Response schemas are closed
 * (`additionalProperties: false`) so the end-to-end tests, which validate
 * every response against them, catch a field that drifted from the mappers
 * in rest/*-json.ts. Request schemas are closed too, so a misspelt field is
 * a 400 naming it instead of being silently ignored.
 */
import { REST_ERROR_CODES } from "../errors/error-table.js";
import { SCOPES } from "../rest/api-key-json.js";
import { LISTABLE_STATUSES } from "../rest/job-json.js";

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str: Schema = { type: "string" };
const int: Schema = { type: "integer" };
const bool: Schema = { type: "boolean" };
const millis = (what: string): Schema => ({ type: ["integer", "null"], description: `${what}, unix milliseconds; null when unset` });
const nullable = (name: string): Schema => ({ oneOf: [ref(name), { type: "null" }] });

/** A closed object whose properties are all required. */
function record(properties: Record<string, Schema>, description?: string): Schema {
  return {
    type: "object",
    ...(description ? { description } : {}),
    required: Object.keys(properties),
    additionalProperties: false,
    properties,
  };
}

const data = (schema: Schema): Schema => record({ data: schema });

const STATUS: Schema = { enum: [...LISTABLE_STATUSES, "unspecified"], description: "The job's lifecycle status" };

export const schemas: Record<string, Schema> = {
  JobStatus: STATUS,
  Progress: record({ percent: { type: "number", minimum: 0, maximum: 100 }, step: str, message: str }, "The agent's latest progress report"),
  JobError: record(
    {
      code: { type: "string", description: 'An error code such as "PROVIDER_ERROR"' },
      message: str,
      detail: { type: "string", description: "Extra detail, e.g. the tail of the handler's stderr" },
      retryable: { type: "boolean", description: "Whether POST /jobs/{id}/retry may succeed" },
      failedPhase: { enum: ["dispatch", "download", "process", "upload", null] },
    },
    "Why the job failed (or was cancelled)",
  ),
  OutputFile: record({
    name: str,
    url: { type: "string", description: "Presigned download URL" },
    type: { type: "string", description: "MIME type" },
    size: { type: "integer", minimum: 0, description: "Bytes" },
    meta: { type: ["object", "null"] },
  }),
  JobOutput: record({
    data: { type: ["object", "null"], description: "Structured output" },
    files: { type: "array", items: ref("OutputFile") },
    expiresAt: millis("When the files' URLs expire"),
  }),
  JobInput: record({ name: str, url: str, sizeBytes: { type: "integer", minimum: 0 }, contentType: str }),
  Job: record({
    id: { type: "string", pattern: "^job_[0-9a-f]{16,}$" },
    orgId: str,
    type: str,
    status: ref("JobStatus"),
    params: { type: "object" },
    inputs: { type: "array", items: ref("JobInput") },
    progress: nullable("Progress"),
    steps: { type: "array", items: record({ name: str, startedAt: millis("Started"), finishedAt: millis("Finished") }) },
    error: nullable("JobError"),
    output: nullable("JobOutput"),
    cost: record({ estimated: { ...int, description: "Credits held at submission" }, actual: { ...int, description: "Credits charged" } }),
    attempt: { type: "integer", minimum: 1 },
    priority: int,
    idempotencyKey: { type: ["string", "null"] },
    testMode: bool,
    cancelRequested: bool,
    createdAt: millis("Saved"),
    dispatchedAt: millis("Last published for dispatch"),
    startedAt: millis("Claimed by an agent"),
    completedAt: millis("Reached a terminal status"),
    updatedAt: millis("Last changed"),
  }),
  JobEvent: record(
    {
      id: str,
      sequence: { type: "integer", minimum: 1, description: "Position in the event log; resume from the last one seen" },
      type: { type: "string", description: "job.created, job.dispatched, job.started, job.progress, job.completed, job.failed, job.cancelled, job.retried, job.cancel_requested" },
      jobId: str,
      status: ref("JobStatus"),
      attempt: int,
      occurredAt: millis("When it happened"),
      progress: nullable("Progress"),
      data: nullable("Job"),
    },
    "One entry of a job's timeline; `data` is the job right after it",
  ),
  JobType: record({
    name: str,
    description: str,
    paramsSchema: { type: "object", description: "JSON Schema (2020-12) that params must satisfy" },
    maxExecutionSeconds: int,
    queueTtlSeconds: int,
    pricing: record({ baseCredits: int, creditsPerSecond: int }),
    allowedPlans: { type: "array", items: str },
  }),
  Balance: record({ balance: int, held: int, available: int }, "Credits: owned, held by unfinished jobs, and available (balance - held)"),
  LedgerEntry: record({
    id: str,
    kind: { enum: ["topup", "hold", "capture", "release", "unspecified"] },
    amount: int,
    jobId: { type: ["string", "null"] },
    attempt: { type: ["integer", "null"] },
    memo: str,
    createdAt: millis("Recorded"),
  }),
  Scope: { enum: [...SCOPES] },
  ApiKey: record({
    id: str,
    orgId: str,
    prefix: { type: "string", description: "The first characters of the secret, to recognise it" },
    name: str,
    scopes: { type: "array", items: ref("Scope") },
    testMode: bool,
    expiresAt: millis("Stops working"),
    revokedAt: millis("Revoked"),
    createdAt: millis("Created"),
  }),
  CreatedApiKey: {
    type: "object",
    required: ["key", "secret"],
    additionalProperties: false,
    properties: { key: ref("ApiKey"), secret: { type: "string", description: "The key's secret, shown once" } },
  },
  Violation: record({ path: { type: "string", description: "JSON pointer of the offending field" }, description: str }),
  ErrorEnvelope: record({ error: ref("ErrorBody") }),
  ErrorBody: record({
      code: { enum: REST_ERROR_CODES },
      message: { type: "string", description: "For people; match on code" },
      details: {
        type: "object",
        additionalProperties: false,
        properties: {
          violations: { type: "array", items: ref("Violation") },
          retryAfterMs: { type: "integer", minimum: 0 },
          metadata: { type: "object", additionalProperties: str },
        },
      },
  }),
  Health: record({ status: { enum: ["ok", "unhealthy", "draining"] }, checks: { type: "object", additionalProperties: str } }),

  // Response bodies.
  JobResponse: data(ref("Job")),
  JobPage: record({
    data: { type: "array", items: ref("Job") },
    meta: record({ limit: int, nextCursor: { type: ["string", "null"], description: "Pass as cursor for the next page; null on the last" } }),
  }),
  JobEventPage: record({
    data: { type: "array", items: ref("JobEvent") },
    meta: record({ limit: int, hasMore: bool, nextAfter: { type: ["integer", "null"], description: "Pass as after for the next page" } }),
  }),
  JobTypeList: data({ type: "array", items: ref("JobType") }),
  JobTypeSchema: data(record({ type: str, schema: { type: "object" } })),
  BalanceResponse: data(ref("Balance")),
  UsagePage: record({
    data: { type: "array", items: ref("LedgerEntry") },
    meta: record({ limit: int, nextCursor: { type: ["string", "null"] } }),
  }),
  ApiKeyResponse: data(ref("ApiKey")),
  ApiKeyList: data({ type: "array", items: ref("ApiKey") }),
  CreatedApiKeyResponse: data(ref("CreatedApiKey")),

  // Request bodies.
  SubmitJobRequest: {
    type: "object",
    required: ["type"],
    additionalProperties: false,
    properties: {
      type: { type: "string", minLength: 1, maxLength: 255, description: 'A job type name from GET /jobs/types, e.g. "test.echo"' },
      params: { type: "object", description: "Validated against the job type's params schema" },
      inputs: {
        type: "array",
        maxItems: 100,
        items: {
          type: "object",
          required: ["name", "url"],
          additionalProperties: false,
          properties: {
            name: { type: "string", maxLength: 255 },
            url: { type: "string", maxLength: 8192, description: "http(s) URL the agent downloads" },
            sizeBytes: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "Declared size, checked against the plan" },
            contentType: { type: "string", maxLength: 255 },
          },
        },
      },
      idempotencyKey: { type: "string", maxLength: 255, description: "A repeat with the same key returns the original job (200)" },
      priority: { type: "integer", minimum: -2147483648, maximum: 2147483647, description: "-100 to 100; higher runs first. Default 0" },
    },
  },
  CreateApiKeyRequest: {
    type: "object",
    additionalProperties: false,
    properties: {
      name: { type: "string", maxLength: 255 },
      scopes: { type: "array", uniqueItems: true, items: ref("Scope"), description: "Empty or absent: every scope" },
      testMode: bool,
      expiresAt: { type: "integer", minimum: 0, description: "Unix milliseconds; absent for never" },
    },
  },

  // Real-time messages (GET /v1/realtime), for reference.
  RealtimeClientMessage: {
    oneOf: [
      record({ type: { const: "auth" }, apiKey: str }),
      { type: "object", required: ["type", "afterSequence"], properties: { type: { const: "resume" }, afterSequence: { type: "integer", minimum: 0 } } },
      record({ type: { const: "ping" } }),
    ],
  },
  RealtimeServerMessage: {
    description: "A JobEvent (type job.*), or a control message: ready, pong, error",
    oneOf: [
      ref("JobEvent"),
      record({ type: { const: "ready" }, afterSequence: int }),
      record({ type: { const: "pong" } }),
      record({ type: { const: "error" }, error: ref("ErrorBody") }),
    ],
  },
};
