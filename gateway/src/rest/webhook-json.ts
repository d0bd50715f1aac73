/**
 * Webhook endpoints and deliveries between REST and WebhookService: the
 * messages → the REST JSON shapes (the OpenAPI document's WebhookEndpoint and
 * WebhookDelivery schemas), and the request bodies → the requests. Pure.
 * Conventions as for jobs (job-json.ts): camelCase, unix-ms timestamps, null
 * for what is unset (a time, a 0 status code that means "no answer", an
 * attempt's empty error), never an omitted field. The disabled reason stays
 * a string, empty while the endpoint is active, as the control plane has it.
 */
import type { JsonValue, MessageInitShape } from "@bufbuild/protobuf";
import {
  WebhookDeliveryStatus,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEndpoint,
} from "../../../proto/gen/jobplane/v1/webhook_pb.js";
import type {
  CreateWebhookEndpointRequestSchema,
  RotateWebhookSecretRequestSchema,
  UpdateWebhookEndpointRequestSchema,
} from "../../../proto/gen/jobplane/v1/webhook_service_pb.js";
import { millis } from "./job-json.js";

const DELIVERY_STATUS_NAMES = {
  [WebhookDeliveryStatus.UNSPECIFIED]: "unspecified",
  [WebhookDeliveryStatus.PENDING]: "pending",
  [WebhookDeliveryStatus.DELIVERED]: "delivered",
  [WebhookDeliveryStatus.FAILED]: "failed",
} as const satisfies Record<WebhookDeliveryStatus, string>;

export type RestDeliveryStatus = (typeof DELIVERY_STATUS_NAMES)[WebhookDeliveryStatus];

/** Every status a delivery can show (the schema's enum). */
export const DELIVERY_STATUSES: readonly RestDeliveryStatus[] = Object.values(DELIVERY_STATUS_NAMES);

export interface RestWebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  description: string;
  active: boolean;
  /** Why it was disabled; "" while active. */
  disabledReason: string;
  consecutiveFailures: number;
  previousSecretExpiresAt: number | null;
  createdAt: number | null;
  updatedAt: number | null;
}

/** An endpoint with its signing secret: the answer to create and rotate only. */
export type RestWebhookEndpointWithSecret = RestWebhookEndpoint & { secret: string };

export interface RestWebhookAttempt {
  attempt: number;
  attemptedAt: number | null;
  /** null when the endpoint did not answer. */
  statusCode: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
  responseExcerpt: string;
}

export interface RestWebhookDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: RestDeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  /** The body POSTed, parsed; the text itself in the unexpected case that it is not JSON. */
  payload: JsonValue;
  createdAt: number | null;
  updatedAt: number | null;
  attemptLog: RestWebhookAttempt[];
}

const orNull = (s: string): string | null => (s === "" ? null : s);
const codeOrNull = (code: number): number | null => (code === 0 ? null : code);

export function webhookEndpointJson(e: WebhookEndpoint): RestWebhookEndpoint {
  return {
    id: e.id,
    url: e.url,
    events: [...e.events],
    description: e.description,
    active: e.active,
    disabledReason: e.disabledReason,
    consecutiveFailures: e.consecutiveFailures,
    previousSecretExpiresAt: millis(e.previousSecretExpiresAt),
    createdAt: millis(e.createdAt),
    updatedAt: millis(e.updatedAt),
  };
}

export function webhookEndpointWithSecretJson(e: WebhookEndpoint, secret: string): RestWebhookEndpointWithSecret {
  return { ...webhookEndpointJson(e), secret };
}

function attemptJson(a: WebhookAttempt): RestWebhookAttempt {
  return {
    attempt: a.attempt,
    attemptedAt: millis(a.attemptedAt),
    statusCode: codeOrNull(a.statusCode),
    ok: a.ok,
    error: orNull(a.error),
    durationMs: a.durationMs,
    responseExcerpt: a.responseExcerpt,
  };
}

/** The stored body as JSON; a body that does not parse is returned as its text. */
export function payloadJson(payload: string): JsonValue {
  try {
    return JSON.parse(payload) as JsonValue;
  } catch {
    return payload;
  }
}

export function webhookDeliveryJson(d: WebhookDelivery): RestWebhookDelivery {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: (DELIVERY_STATUS_NAMES as Partial<Record<number, RestDeliveryStatus>>)[d.status] ?? "unspecified",
    attempts: d.attempts,
    nextAttemptAt: millis(d.nextAttemptAt),
    lastStatusCode: codeOrNull(d.lastStatusCode),
    lastError: orNull(d.lastError),
    payload: payloadJson(d.payload),
    createdAt: millis(d.createdAt),
    updatedAt: millis(d.updatedAt),
    attemptLog: d.attemptLog.map(attemptJson),
  };
}

/** The POST /webhooks/endpoints body once it passed the OpenAPI request schema. */
export interface CreateWebhookEndpointBody {
  url: string;
  events?: string[];
  description?: string;
}

export function createWebhookEndpointRequest(body: CreateWebhookEndpointBody): MessageInitShape<typeof CreateWebhookEndpointRequestSchema> {
  return { url: body.url, events: body.events ?? [], description: body.description ?? "" };
}

/** The PATCH /webhooks/endpoints/{id} body: only the fields present change. */
export interface UpdateWebhookEndpointBody {
  url?: string;
  events?: string[];
  description?: string;
  active?: boolean;
}

export function updateWebhookEndpointRequest(
  id: string,
  body: UpdateWebhookEndpointBody,
): MessageInitShape<typeof UpdateWebhookEndpointRequestSchema> {
  return {
    id,
    ...(body.url === undefined ? {} : { url: body.url }),
    // A present list replaces the old one, even when empty (= the default set).
    ...(body.events === undefined ? {} : { replaceEvents: true, events: body.events }),
    ...(body.description === undefined ? {} : { description: body.description }),
    ...(body.active === undefined ? {} : { active: body.active }),
  };
}

/** The optional POST /webhooks/endpoints/{id}/rotate-secret body. */
export interface RotateWebhookSecretBody {
  previousSecretValidSeconds?: number;
}

export function rotateWebhookSecretRequest(id: string, body: RotateWebhookSecretBody): MessageInitShape<typeof RotateWebhookSecretRequestSchema> {
  return { id, previousSecretValidSeconds: body.previousSecretValidSeconds ?? 0 };
}
