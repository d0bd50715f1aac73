/**
 * WebhookService's delivery use cases: an endpoint's delivery history
 * (newest first, keyset pages on (created_at, id) like ListJobs), sending a
 * delivery again, and queueing a test event.
 *
 * A delivery is always the org's through its endpoint: the endpoint is
 * looked up in the org first, so another org's ids are NOT_FOUND.
 */
import { newId } from "../domain/ids.js";
import { notFound } from "../domain/domain-error.js";
import { decodeCursor, encodeCursor, pageSize } from "../domain/page-cursor.js";
import { TEST_EVENT_TYPE, testWebhookPayload } from "../domain/webhook-events.js";
import type { Clock } from "./clock.js";
import type {
  DeliveryListKey,
  WebhookDeliveryRecord,
  WebhookDeliveryStore,
  WebhookEndpointStore,
} from "./webhook-store.js";

export interface WebhookDeliveryDeps {
  readonly endpoints: WebhookEndpointStore;
  readonly deliveries: WebhookDeliveryStore;
  readonly clock: Clock;
  /** JOBPLANE_WEBHOOK_MAX_ATTEMPTS, for test deliveries. */
  readonly maxAttempts: number;
}

export interface DeliveryPage {
  readonly deliveries: readonly WebhookDeliveryRecord[];
  /** "" on the last page. */
  readonly nextCursor: string;
}

const EXACT_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const DELIVERY_ID = /^whd_[0-9a-f]{1,64}$/;

async function requireEndpoint(deps: Pick<WebhookDeliveryDeps, "endpoints">, orgId: string, endpointId: string): Promise<void> {
  if ((await deps.endpoints.get(orgId, endpointId)) === undefined) throw notFound(`webhook endpoint ${endpointId}`);
}

export async function listWebhookDeliveries(
  deps: Pick<WebhookDeliveryDeps, "endpoints" | "deliveries">,
  orgId: string,
  query: { readonly endpointId: string; readonly limit: number; readonly cursor: string },
): Promise<DeliveryPage> {
  const limit = pageSize(query.limit);
  let after: DeliveryListKey | undefined;
  if (query.cursor !== "") {
    const [createdAt = "", id = ""] = decodeCursor(query.cursor, [(t) => EXACT_UTC.test(t), (t) => DELIVERY_ID.test(t)]);
    after = { createdAt, id };
  }
  await requireEndpoint(deps, orgId, query.endpointId);
  // One extra row says whether another page follows, without a count query.
  const rows = await deps.deliveries.list(query.endpointId, after, limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last !== undefined ? encodeCursor([last.key.createdAt, last.key.id]) : "";
  return { deliveries: page.map((r) => r.delivery), nextCursor };
}

/**
 * Pending again and due now, with at least one attempt left, whatever its
 * status. The webhook-id stays the event id, so a receiver that got it
 * before can tell. A delivery of an inactive endpoint waits for it to be
 * enabled (a webhook.test goes anyway).
 */
export async function redeliverWebhook(
  deps: Pick<WebhookDeliveryDeps, "deliveries">,
  orgId: string,
  deliveryId: string,
): Promise<WebhookDeliveryRecord> {
  const delivery = await deps.deliveries.redeliver(orgId, deliveryId);
  if (delivery === undefined) throw notFound(`webhook delivery ${deliveryId}`);
  return delivery;
}

/** Queues a webhook.test event: sent even to an inactive endpoint, never counted toward disabling it. */
export async function sendTestWebhook(
  deps: Pick<WebhookDeliveryDeps, "deliveries" | "clock" | "maxAttempts">,
  orgId: string,
  endpointId: string,
): Promise<WebhookDeliveryRecord> {
  const delivery = await deps.deliveries.insert(orgId, {
    endpointId,
    eventId: newId("evt"),
    eventType: TEST_EVENT_TYPE,
    payload: testWebhookPayload(endpointId, deps.clock()),
    maxAttempts: deps.maxAttempts,
  });
  if (delivery === undefined) throw notFound(`webhook endpoint ${endpointId}`);
  return delivery;
}
