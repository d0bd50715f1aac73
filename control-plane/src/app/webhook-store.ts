/**
 * The ports webhook use cases need, and the records they exchange.
 * PgWebhookEndpointStore, PgWebhookDeliveryStore and PgWebhookQueue
 * implement them. Secrets never appear in WebhookEndpointRecord: only the
 * create and rotate calls see a secret, and only the claim reads them back
 * (to sign).
 */
import type { AttemptOutcome } from "../domain/webhook-attempt-outcome.js";
import type { SigningSecrets } from "../domain/webhook-signing.js";

export type WebhookDeliveryState = "pending" | "delivered" | "failed";

export interface WebhookEndpointRecord {
  readonly id: string;
  readonly orgId: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly description: string;
  readonly active: boolean;
  readonly disabledReason: string | null;
  readonly consecutiveFailures: number;
  /** Set after a rotation, even once passed: the reader compares it with the clock. */
  readonly previousSecretExpiresAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface WebhookAttemptRecord {
  readonly attempt: number;
  readonly attemptedAt: Date;
  readonly statusCode: number;
  readonly ok: boolean;
  readonly error: string;
  readonly durationMs: number;
  readonly responseExcerpt: string;
}

export interface WebhookDeliveryRecord {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: WebhookDeliveryState;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly nextAt: Date | null;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly payload: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Oldest first. */
  readonly attemptLog: readonly WebhookAttemptRecord[];
}

export interface NewWebhookEndpoint {
  readonly orgId: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly description: string;
  readonly secret: string;
}

/** The fields UpdateWebhookEndpoint sets; undefined leaves a field as it is. */
export interface WebhookEndpointChanges {
  readonly url?: string | undefined;
  readonly events?: readonly string[] | undefined;
  readonly description?: string | undefined;
  readonly active?: boolean | undefined;
}

/** Every call is scoped to the org: another org's endpoint is undefined / false, as if missing. */
export interface WebhookEndpointStore {
  /** Creates the endpoint unless the org already has `maxPerOrg` (then undefined); race-free per org. */
  create(endpoint: NewWebhookEndpoint, maxPerOrg: number): Promise<WebhookEndpointRecord | undefined>;
  /** Newest first. */
  list(orgId: string): Promise<WebhookEndpointRecord[]>;
  get(orgId: string, id: string): Promise<WebhookEndpointRecord | undefined>;
  update(orgId: string, id: string, changes: WebhookEndpointChanges): Promise<WebhookEndpointRecord | undefined>;
  /** Deletes the endpoint and (cascade) its deliveries and their attempts. */
  delete(orgId: string, id: string): Promise<boolean>;
  /** previous_secret := secret, secret := newSecret, previous_secret_expires_at := previousExpiresAt. */
  rotateSecret(orgId: string, id: string, newSecret: string, previousExpiresAt: Date): Promise<WebhookEndpointRecord | undefined>;
}

/** Position in an endpoint's delivery listing: exact created_at (µs, UTC) and id. */
export interface DeliveryListKey {
  readonly createdAt: string;
  readonly id: string;
}

export interface ListedDelivery {
  readonly delivery: WebhookDeliveryRecord;
  readonly key: DeliveryListKey;
}

export interface WebhookDeliveryStore {
  /** Up to `limit` of the endpoint's deliveries strictly after `after`, newest first. */
  list(endpointId: string, after: DeliveryListKey | undefined, limit: number): Promise<ListedDelivery[]>;
  /** Pending again, due now, with at least one attempt left; undefined if not the org's. */
  redeliver(orgId: string, deliveryId: string): Promise<WebhookDeliveryRecord | undefined>;
  /** A pending delivery due now (SendTestWebhook); undefined if the endpoint is not the org's. */
  insert(orgId: string, delivery: {
    readonly endpointId: string;
    readonly eventId: string;
    readonly eventType: string;
    readonly payload: string;
    readonly maxAttempts: number;
  }): Promise<WebhookDeliveryRecord | undefined>;
}

/** One event handed in by a gateway. */
export interface QueuedEvent {
  readonly eventId: string;
  readonly orgId: string;
  readonly eventType: string;
  readonly payload: string;
  /** Endpoints created after this do not get the event; undefined: no such filter. */
  readonly occurredAt: Date | undefined;
}

/** A leased delivery with what is needed to sign it. */
export interface ClaimedRow {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly url: string;
  readonly attempt: number;
  readonly payload: string;
  readonly secrets: SigningSecrets;
}

export interface ReportedAttempt {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly statusCode: number;
  readonly error: string;
  readonly durationMs: number;
  readonly responseExcerpt: string;
}

/** The facts about a delivery and its endpoint a report is judged on. */
export interface AttemptFacts {
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly eventType: string;
  readonly endpointActive: boolean;
  readonly consecutiveFailures: number;
}

export interface WebhookQueue {
  /** Inserts the deliveries (idempotent per endpoint and event); how many were new. */
  enqueue(events: readonly QueuedEvent[], maxAttempts: number): Promise<number>;
  /** Leases up to `max` due deliveries for `leaseMs`, counting the attempt. */
  claim(max: number, leaseMs: number): Promise<ClaimedRow[]>;
  /**
   * Records the attempt and applies `decide`'s outcome in one transaction;
   * false (nothing written) unless the delivery is pending on that attempt
   * and the attempt was not reported before.
   */
  report(attempt: ReportedAttempt, decide: (facts: AttemptFacts) => AttemptOutcome): Promise<boolean>;
}
