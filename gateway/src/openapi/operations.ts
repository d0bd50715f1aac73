/**
 * Every route of the gateway as data: method, path template, parameters,
 * request body and responses. Both the OpenAPI document (document.ts) and
 * the router (http/router.ts) are built from this one list, so a route
 * cannot exist without being documented, and the handler table, keyed by
 * OperationId, must cover every entry to compile.
 */

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface ParamSpec {
  readonly name: string;
  readonly in: "query" | "header";
  readonly description: string;
  readonly schema: Record<string, unknown>;
}

export interface ResponseSpec {
  readonly description: string;
  /** Component schema name of an application/json body. */
  readonly schema?: string;
  /** A body that is not JSON (SSE, Prometheus text). */
  readonly contentType?: string;
}

export interface OperationSpec {
  readonly method: HttpMethod;
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** Needs `Authorization: Bearer <api key>` (forwarded to the control plane). */
  readonly auth: boolean;
  readonly params?: readonly ParamSpec[];
  /** Component schema name of the application/json request body (required unless bodyOptional). */
  readonly body?: string;
  /** The body may be left out (no body, or Content-Length: 0). */
  readonly bodyOptional?: boolean;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** The error statuses worth naming; any other error is the `default` (ErrorEnvelope). */
  readonly errors: readonly number[];
}

const limit = (max: number, fallback: number): ParamSpec => ({
  name: "limit",
  in: "query",
  description: `Page size, 1 to ${max} (default ${fallback})`,
  schema: { type: "integer", minimum: 1, maximum: max, default: fallback },
});
const cursor: ParamSpec = { name: "cursor", in: "query", description: "nextCursor of the previous page", schema: { type: "string" } };

/** Errors any authenticated call may see; each reaches the control plane, which may be unreachable (503). */
const AUTH_ERRORS = [401, 403, 429, 503] as const;

export const operations = {
  submitJob: {
    method: "POST",
    path: "/jobs",
    summary: "Submit a job",
    tag: "jobs",
    auth: true,
    body: "SubmitJobRequest",
    responses: {
      201: { description: "The job was saved (waiting)", schema: "JobResponse" },
      200: { description: "An earlier job with the same idempotencyKey", schema: "JobResponse" },
    },
    errors: [400, ...AUTH_ERRORS, 402, 413, 415],
  },
  listJobs: {
    method: "GET",
    path: "/jobs",
    summary: "List the org's jobs, newest first",
    tag: "jobs",
    auth: true,
    params: [
      { name: "status", in: "query", description: "Comma-separated statuses, e.g. waiting,running", schema: { type: "string" } },
      { name: "type", in: "query", description: "Only this job type", schema: { type: "string" } },
      limit(100, 50),
      cursor,
      { name: "createdAfter", in: "query", description: "Created at or after (unix ms)", schema: { type: "integer", minimum: 0 } },
      { name: "createdBefore", in: "query", description: "Created before (unix ms)", schema: { type: "integer", minimum: 0 } },
    ],
    responses: { 200: { description: "One page of jobs", schema: "JobPage" } },
    errors: [400, ...AUTH_ERRORS],
  },
  listJobTypes: {
    method: "GET",
    path: "/jobs/types",
    summary: "List the job types the caller's plan may submit",
    tag: "jobs",
    auth: true,
    responses: { 200: { description: "The job types", schema: "JobTypeList" } },
    errors: [...AUTH_ERRORS],
  },
  getJobTypeSchema: {
    method: "GET",
    path: "/jobs/types/{type}/schema",
    summary: "The JSON Schema a job type's params must satisfy",
    tag: "jobs",
    auth: true,
    responses: { 200: { description: "The params schema", schema: "JobTypeSchema" } },
    errors: [...AUTH_ERRORS, 404],
  },
  getJob: {
    method: "GET",
    path: "/jobs/{id}",
    summary: "Get a job",
    tag: "jobs",
    auth: true,
    responses: { 200: { description: "The job", schema: "JobResponse" } },
    errors: [...AUTH_ERRORS, 404],
  },
  cancelJob: {
    method: "POST",
    path: "/jobs/{id}/cancel",
    summary: "Cancel a job (a running one ends cancelled once its agent stops)",
    tag: "jobs",
    auth: true,
    responses: { 200: { description: "The job after the cancel", schema: "JobResponse" } },
    errors: [...AUTH_ERRORS, 404, 409],
  },
  retryJob: {
    method: "POST",
    path: "/jobs/{id}/retry",
    summary: "Retry a failed job as its next attempt",
    tag: "jobs",
    auth: true,
    responses: { 200: { description: "The job, waiting again", schema: "JobResponse" } },
    errors: [...AUTH_ERRORS, 402, 404, 409],
  },
  getJobLogs: {
    method: "GET",
    path: "/jobs/{id}/logs",
    summary: "The job's timeline: its events in order",
    tag: "jobs",
    auth: true,
    params: [
      { name: "after", in: "query", description: "Only events with a greater sequence", schema: { type: "integer", minimum: 0 } },
      limit(500, 500),
    ],
    responses: { 200: { description: "The events, oldest first", schema: "JobEventPage" } },
    errors: [400, ...AUTH_ERRORS, 404],
  },
  streamJobEvents: {
    method: "GET",
    path: "/jobs/{id}/events",
    summary: "Server-sent events: job.snapshot, then each event; closed after the terminal one",
    tag: "jobs",
    auth: true,
    params: [
      {
        name: "Last-Event-ID",
        in: "header",
        description: "Resume after this sequence (EventSource sends it on reconnect)",
        schema: { type: "string", pattern: "^\\d+$" },
      },
    ],
    responses: {
      200: {
        description:
          "text/event-stream. First `event: job.snapshot` with the Job as data; then per event `event: <type>`, " +
          "`id: <sequence>`, `data: <JobEvent>`; the stream ends after the terminal event. " +
          "`event: gateway.closing` with {reason} precedes a close by the gateway (reconnect with Last-Event-ID).",
        contentType: "text/event-stream",
      },
      204: { description: "Reconnect after the end: the job is over and nothing follows Last-Event-ID" },
    },
    errors: [400, ...AUTH_ERRORS, 404],
  },
  getBalance: {
    method: "GET",
    path: "/billing/balance",
    summary: "The org's credits",
    tag: "billing",
    auth: true,
    responses: { 200: { description: "Balance, held and available credits", schema: "BalanceResponse" } },
    errors: [...AUTH_ERRORS],
  },
  listUsage: {
    method: "GET",
    path: "/billing/usage",
    summary: "The org's credit ledger, newest first",
    tag: "billing",
    auth: true,
    params: [limit(100, 50), cursor, { name: "jobId", in: "query", description: "Only this job's entries", schema: { type: "string" } }],
    responses: { 200: { description: "One page of ledger entries", schema: "UsagePage" } },
    errors: [400, ...AUTH_ERRORS],
  },
  createApiKey: {
    method: "POST",
    path: "/api-keys",
    summary: "Create an API key (needs keys:write); the secret is returned once",
    tag: "api-keys",
    auth: true,
    body: "CreateApiKeyRequest",
    responses: { 201: { description: "The key and its secret", schema: "CreatedApiKeyResponse" } },
    errors: [400, ...AUTH_ERRORS, 413, 415],
  },
  listApiKeys: {
    method: "GET",
    path: "/api-keys",
    summary: "List the org's API keys, without secrets (needs keys:write)",
    tag: "api-keys",
    auth: true,
    responses: { 200: { description: "The keys, newest first, revoked ones included", schema: "ApiKeyList" } },
    errors: [...AUTH_ERRORS],
  },
  revokeApiKey: {
    method: "DELETE",
    path: "/api-keys/{id}",
    summary: "Revoke an API key; it fails at once everywhere (needs keys:write)",
    tag: "api-keys",
    auth: true,
    responses: { 200: { description: "The revoked key", schema: "ApiKeyResponse" } },
    errors: [...AUTH_ERRORS, 404],
  },
  createWebhookEndpoint: {
    method: "POST",
    path: "/webhooks/endpoints",
    summary: "Create a webhook endpoint (needs webhooks:write); its signing secret is returned once",
    tag: "webhooks",
    auth: true,
    body: "CreateWebhookEndpointRequest",
    responses: { 201: { description: "The endpoint and its secret", schema: "WebhookEndpointWithSecretResponse" } },
    errors: [400, ...AUTH_ERRORS, 413, 415],
  },
  listWebhookEndpoints: {
    method: "GET",
    path: "/webhooks/endpoints",
    summary: "List the org's webhook endpoints, newest first (needs webhooks:write)",
    tag: "webhooks",
    auth: true,
    responses: { 200: { description: "The endpoints, without secrets", schema: "WebhookEndpointList" } },
    errors: [...AUTH_ERRORS],
  },
  getWebhookEndpoint: {
    method: "GET",
    path: "/webhooks/endpoints/{id}",
    summary: "Get a webhook endpoint (needs webhooks:write)",
    tag: "webhooks",
    auth: true,
    responses: { 200: { description: "The endpoint", schema: "WebhookEndpointResponse" } },
    errors: [...AUTH_ERRORS, 404],
  },
  updateWebhookEndpoint: {
    method: "PATCH",
    path: "/webhooks/endpoints/{id}",
    summary:
      "Change a webhook endpoint's url, events, description or active flag (needs webhooks:write). " +
      "active: true re-enables a disabled endpoint, clears its failure run and sends its pending deliveries",
    tag: "webhooks",
    auth: true,
    body: "UpdateWebhookEndpointRequest",
    responses: { 200: { description: "The endpoint after the change", schema: "WebhookEndpointResponse" } },
    errors: [400, ...AUTH_ERRORS, 404, 413, 415],
  },
  deleteWebhookEndpoint: {
    method: "DELETE",
    path: "/webhooks/endpoints/{id}",
    summary: "Delete a webhook endpoint and its delivery history (needs webhooks:write)",
    tag: "webhooks",
    auth: true,
    responses: { 200: { description: "The endpoint as it was before the delete", schema: "WebhookEndpointResponse" } },
    errors: [...AUTH_ERRORS, 404],
  },
  rotateWebhookSecret: {
    method: "POST",
    path: "/webhooks/endpoints/{id}/rotate-secret",
    summary:
      "Replace an endpoint's signing secret (needs webhooks:write); the new one is returned once, and the old one " +
      "keeps signing beside it for previousSecretValidSeconds (default 86400)",
    tag: "webhooks",
    auth: true,
    body: "RotateWebhookSecretRequest",
    bodyOptional: true,
    responses: { 200: { description: "The endpoint and its new secret", schema: "WebhookEndpointWithSecretResponse" } },
    errors: [400, ...AUTH_ERRORS, 404, 413, 415],
  },
  listWebhookDeliveries: {
    method: "GET",
    path: "/webhooks/endpoints/{id}/deliveries",
    summary: "An endpoint's deliveries, newest first, each with its attempts (needs webhooks:write)",
    tag: "webhooks",
    auth: true,
    params: [limit(100, 50), cursor],
    responses: { 200: { description: "One page of deliveries", schema: "WebhookDeliveryPage" } },
    errors: [400, ...AUTH_ERRORS, 404],
  },
  redeliverWebhook: {
    method: "POST",
    path: "/webhooks/deliveries/{id}/redeliver",
    summary: "Send a delivery again now, whatever its status, with the same webhook-id (needs webhooks:write)",
    tag: "webhooks",
    auth: true,
    responses: { 202: { description: "The delivery, pending again", schema: "WebhookDeliveryResponse" } },
    errors: [...AUTH_ERRORS, 404],
  },
  sendTestWebhook: {
    method: "POST",
    path: "/webhooks/endpoints/{id}/test",
    summary: "Queue a webhook.test event to the endpoint, even while it is inactive (needs webhooks:write)",
    tag: "webhooks",
    auth: true,
    responses: { 202: { description: "The queued test delivery", schema: "WebhookDeliveryResponse" } },
    errors: [...AUTH_ERRORS, 404],
  },
  realtime: {
    method: "GET",
    path: "/v1/realtime",
    summary:
      "WebSocket hub: the org's job events as JSON. Authenticate with the Authorization header, the subprotocol " +
      '`jobplane.bearer.<key>` (offer `jobplane.v1` too), or a first message {"type":"auth","apiKey":"…"}. ' +
      'Resume with ?after=<sequence> or {"type":"resume","afterSequence":N}. See RealtimeClientMessage / RealtimeServerMessage.',
    tag: "realtime",
    auth: false,
    params: [{ name: "after", in: "query", description: "Resume after this sequence", schema: { type: "integer", minimum: 0 } }],
    responses: { 101: { description: "Switching to the WebSocket protocol" } },
    errors: [400, 401, 426, 503],
  },
  health: {
    method: "GET",
    path: "/healthz",
    summary: "Liveness and the control plane's health",
    tag: "ops",
    auth: false,
    responses: {
      200: { description: "Healthy", schema: "Health" },
      503: { description: "Unhealthy or draining", schema: "Health" },
    },
    errors: [],
  },
  metrics: {
    method: "GET",
    path: "/metrics",
    summary: "Prometheus metrics",
    tag: "ops",
    auth: false,
    responses: { 200: { description: "Prometheus text format", contentType: "text/plain" } },
    errors: [],
  },
  openapi: {
    method: "GET",
    path: "/openapi.json",
    summary: "This document",
    tag: "ops",
    auth: false,
    responses: { 200: { description: "The OpenAPI 3.1 document", contentType: "application/json" } },
    errors: [],
  },
} as const satisfies Record<string, OperationSpec>;

export type OperationId = keyof typeof operations;
