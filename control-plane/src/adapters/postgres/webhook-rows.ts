/**
 * webhook_endpoints / webhook_deliveries / webhook_delivery_attempts rows
 * (read as to_jsonb, snake_case) → the app's records. The SQL fragments
 * here select exactly what the records need: an endpoint never carries its
 * secrets out of the database except through the claim query.
 */
import type {
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookDeliveryState,
  WebhookEndpointRecord,
} from "../../app/webhook-store.js";

export interface EndpointRowJson {
  readonly id: string;
  readonly org_id: string;
  readonly url: string;
  readonly events: string[];
  readonly description: string;
  readonly active: boolean;
  readonly disabled_reason: string | null;
  readonly consecutive_failures: number;
  readonly previous_secret_expires_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

interface AttemptRowJson {
  readonly attempt: number;
  readonly attempted_at: string;
  readonly status_code: number;
  readonly ok: boolean;
  readonly error: string;
  readonly duration_ms: number;
  readonly response_excerpt: string;
}

export interface DeliveryRowJson {
  readonly id: string;
  readonly endpoint_id: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly status: WebhookDeliveryState;
  readonly attempts: number;
  readonly max_attempts: number;
  readonly next_at: string | null;
  readonly last_status_code: number | null;
  readonly last_error: string | null;
  readonly payload: string;
  readonly created_at: string;
  readonly updated_at: string;
  /** Added by DELIVERY_JSON: the attempts, oldest first. */
  readonly attempt_log: AttemptRowJson[];
}

/** An endpoint row as JSON, without its secrets (alias the table `e`). */
export const ENDPOINT_JSON = `to_jsonb(e) - 'secret' - 'previous_secret'`;

/** A delivery row as JSON with its attempt log (alias the table `d`). */
export const DELIVERY_JSON = `to_jsonb(d) || jsonb_build_object('attempt_log', coalesce(
  (select jsonb_agg(to_jsonb(a) order by a.attempt) from webhook_delivery_attempts a where a.delivery_id = d.id),
  '[]'::jsonb))`;

/** created_at in UTC with all six fractional digits: what a listing cursor carries. */
export const EXACT_CREATED_AT = (alias: string) =>
  `to_char(${alias}.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const date = (text: string) => new Date(text);

export function endpointFromRow(row: EndpointRowJson): WebhookEndpointRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    url: row.url,
    events: row.events,
    description: row.description,
    active: row.active,
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
    previousSecretExpiresAt: row.previous_secret_expires_at === null ? null : date(row.previous_secret_expires_at),
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}

function attemptFromRow(row: AttemptRowJson): WebhookAttemptRecord {
  return {
    attempt: row.attempt,
    attemptedAt: date(row.attempted_at),
    statusCode: row.status_code,
    ok: row.ok,
    error: row.error,
    durationMs: row.duration_ms,
    responseExcerpt: row.response_excerpt,
  };
}

export function deliveryFromRow(row: DeliveryRowJson): WebhookDeliveryRecord {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    nextAt: row.next_at === null ? null : date(row.next_at),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    payload: row.payload,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    attemptLog: row.attempt_log.map(attemptFromRow),
  };
}
