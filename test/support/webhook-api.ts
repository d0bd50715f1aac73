/**
 * Integration-test kit for WebhookService and WebhookDeliveryService: a
 * fresh database and an in-process control plane per test (with the
 * webhook settings the test asks for), callers with API keys, the admin
 * client a gateway would use, and SQL peeks at the rows behind the API.
 */
import type { Client } from "@connectrpc/connect";
import { afterEach, beforeEach } from "vitest";
import { WebhookDeliveryService } from "../../proto/gen/jobplane/v1/webhook_delivery_service_pb.js";
import { WebhookService } from "../../proto/gen/jobplane/v1/webhook_service_pb.js";
import type { WebhookConfig } from "../../control-plane/src/webhook-config.js";
import { startTestControlPlane, TEST_ADMIN_TOKEN, type TestControlPlane } from "./control-plane.js";
import { seedCaller, type Caller } from "./job-api.js";
import { useTestDatabase, type TestDatabaseHandle } from "./test-database.js";

export interface WebhookApi {
  readonly db: TestDatabaseHandle;
  readonly cp: TestControlPlane;
  /** A new org with a key holding every scope (or `scopes`), and its WebhookService client. */
  org(scopes?: readonly string[]): Promise<Caller & { readonly webhooks: Client<typeof WebhookService> }>;
  /** WebhookDeliveryService with the admin token, as a gateway calls it. */
  gateway(): Client<typeof WebhookDeliveryService>;
  /** An event for EnqueueWebhookEvents. */
  event(orgId: string, type: string, eventId?: string): { eventId: string; orgId: string; eventType: string; payload: string };
  /** Columns of a delivery row, for what the API does not show. */
  deliveryRow(id: string): Promise<DeliveryRow>;
}

export interface DeliveryRow {
  readonly status: string;
  readonly attempts: number;
  readonly max_attempts: number;
  /** next_at − now() in ms (null when unset). */
  readonly due_in_ms: number | null;
  readonly last_status_code: number | null;
  readonly last_error: string | null;
}

let events = 0;

/** Per test: a database and a control plane with `webhooks` settings (private targets allowed unless told). */
export function useWebhookApi(webhooks: Partial<WebhookConfig> = {}): WebhookApi {
  const db = useTestDatabase();
  let cp: TestControlPlane | undefined;
  beforeEach(async () => {
    cp = await startTestControlPlane({ databaseUrl: db.url, webhooks });
  });
  // Registered after useTestDatabase's hook, so it runs first: the server closes before the database is dropped.
  afterEach(async () => {
    await cp?.close();
    cp = undefined;
  });
  const current = (): TestControlPlane => {
    if (!cp) throw new Error("useWebhookApi(): no control plane outside a test");
    return cp;
  };
  return {
    db,
    get cp() {
      return current();
    },
    async org(scopes) {
      const caller = await seedCaller(db.orm, scopes ? { scopes } : {});
      return { ...caller, webhooks: current().client(WebhookService, caller.key) };
    },
    gateway: () => current().client(WebhookDeliveryService, TEST_ADMIN_TOKEN),
    event(orgId, type, eventId = `evt_test${String(++events).padStart(8, "0")}`) {
      return { eventId, orgId, eventType: type, payload: JSON.stringify({ type, timestamp: new Date().toISOString(), data: { n: events } }) };
    },
    async deliveryRow(id) {
      const [row] = await db.orm.em.fork().execute<DeliveryRow[]>(
        `select status, attempts, max_attempts, last_status_code, last_error,
                (extract(epoch from next_at - now()) * 1000)::float8 as due_in_ms
           from webhook_deliveries where id = ?`,
        [id],
      );
      if (row === undefined) throw new Error(`no delivery ${id}`);
      return row;
    },
  };
}
