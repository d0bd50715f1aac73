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
import { DELIVERY_STATUSES } from "../rest/webhook-json.js";
import { WEBHOOK_EVENT_TYPES } from "../../../proto/webhooks/event-types.js";

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

const WEBHOOK_EVENTS: Schema = {
  type: "array",
  maxItems: 32,
  items: { type: "string", minLength: 1, maxLength: 64 },
  description: `Event types to deliver: ${WEBHOOK_EVENT_TYPES.join(", ")}. Empty or absent: every type except job.progress`,
};
const WEBHOOK_URL: Schema = { type: "string", format: "uri", maxLength: 2048, description: "An absolute http(s) URL" };
const WEBHOOK_DESCRIPTION: Schema = { type: "string", maxLength: 1024 };

/** The endpoint's fields; the secret is added in the answers to create and rotate only. */
const WEBHOOK_ENDPOINT_FIELDS: Record<string, Schema> = {
  id: { type: "string", description: '"whe_" + hex' },
  url: str,
  events: { type: "array", items: str, description: "Event types delivered (the default set when created with none)" },
  description: str,
  active: { type: "boolean", description: "Whether events are delivered; an inactive endpoint's deliveries wait" },
  disabledReason: { type: "string", description: 'Why it was disabled (a run of failures, HTTP 410); "" while active' },
  consecutiveFailures: { type: "integer", minimum: 0, description: "Failed attempts in a row since the last success" },
  previousSecretExpiresAt: millis("Until when the secret replaced by the last rotation still signs"),
  createdAt: millis("Created"),
  updatedAt: millis("Last changed"),
};

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
  WebhookEndpoint: record(WEBHOOK_ENDPOINT_FIELDS, "Where the org's events are POSTed, signed per Standard Webhooks"),
  WebhookEndpointWithSecret: record(
    { ...WEBHOOK_ENDPOINT_FIELDS, secret: { type: "string", description: 'The signing secret ("whsec_" + base64), shown only once' } },
    "An endpoint with its signing secret",
  ),
  WebhookAttempt: record(
    {
      attempt: { type: "integer", minimum: 1 },
      attemptedAt: millis("Reported"),
      statusCode: { type: ["integer", "null"], description: "The HTTP status; null when the endpoint did not answer" },
      ok: { type: "boolean", description: "Whether the endpoint answered 2xx" },
      error: { type: ["string", "null"], description: "Why it failed (timed out, connection refused, …)" },
      durationMs: { type: "integer", minimum: 0 },
      responseExcerpt: { type: "string", description: "The start of the response body (at most 1 KiB)" },
    },
    "One POST of a delivery",
  ),
  WebhookDelivery: record(
    {
      id: { type: "string", description: '"whd_" + hex' },
      endpointId: str,
      eventId: { type: "string", description: "The webhook-id header: the same on every attempt" },
      eventType: { type: "string", description: "e.g. job.completed; webhook.test for a test event" },
      status: { enum: [...DELIVERY_STATUSES] },
      attempts: { type: "integer", minimum: 0 },
      nextAttemptAt: millis("When the next attempt is due (pending only)"),
      lastStatusCode: { type: ["integer", "null"], description: "The last attempt's HTTP status; null when none answered" },
      lastError: { type: ["string", "null"] },
      payload: { type: ["object", "string"], description: "The body POSTed: {type, timestamp, data}" },
      createdAt: millis("Created"),
      updatedAt: millis("Last changed"),
      attemptLog: { type: "array", items: ref("WebhookAttempt"), description: "Every attempt, oldest first" },
    },
    "One event on its way to one endpoint",
  ),
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
  WebhookEndpointResponse: data(ref("WebhookEndpoint")),
  WebhookEndpointWithSecretResponse: data(ref("WebhookEndpointWithSecret")),
  WebhookEndpointList: data({ type: "array", items: ref("WebhookEndpoint") }),
  WebhookDeliveryResponse: data(ref("WebhookDelivery")),
  WebhookDeliveryPage: record({
    data: { type: "array", items: ref("WebhookDelivery") },
    meta: record({ limit: int, nextCursor: { type: ["string", "null"], description: "Pass as cursor for the next page; null on the last" } }),
  }),

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
  CreateWebhookEndpointRequest: {
    type: "object",
    required: ["url"],
    additionalProperties: false,
    properties: { url: WEBHOOK_URL, events: WEBHOOK_EVENTS, description: WEBHOOK_DESCRIPTION },
  },
  UpdateWebhookEndpointRequest: {
    type: "object",
    additionalProperties: false,
    description: "Only the fields present change; events, when present, replaces the list",
    properties: {
      url: WEBHOOK_URL,
      events: WEBHOOK_EVENTS,
      description: WEBHOOK_DESCRIPTION,
      active: { type: "boolean", description: "true re-enables (clearing the failure run); false pauses delivery" },
    },
  },
  RotateWebhookSecretRequest: {
    type: "object",
    additionalProperties: false,
    properties: {
      previousSecretValidSeconds: {
        type: "integer",
        minimum: 0,
        maximum: 604800,
        description: "How long the old secret keeps signing beside the new one: default (and 0) 86400, at most 604800",
      },
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
    description:
      "A JobEvent (type job.*); an org's balance event (balance.low, balance.depleted: no job, the credits then); " +
      "balance.updated (the org's credits, after a subscribe and when they changed; keys with billing:read only); " +
      "or a control message: ready, pong, error",
    oneOf: [
      ref("JobEvent"),
      record({
        type: { enum: ["balance.low", "balance.depleted"] },
        id: str,
        sequence: { type: "integer", minimum: 1 },
        orgId: str,
        occurredAt: millis("When it happened"),
        balance: record({ balance: int, held: int, available: int, threshold: { type: "integer", description: "The threshold balance.low crossed; 0 on balance.depleted" } }),
      }),
      record({ type: { const: "balance.updated" }, balance: ref("Balance") }),
      record({ type: { const: "ready" }, afterSequence: int }),
      record({ type: { const: "pong" } }),
      record({ type: { const: "error" }, error: ref("ErrorBody") }),
    ],
  },
};
