/**
 * The bench org's webhook endpoints, managed through the control plane's
 * WebhookService with the org's API key (what the gateway's REST routes
 * call): the drain endpoint must exist before the job phase, when no gateway
 * runs. Also the events each endpoint should get, read back from the outbox
 * by the same rule as delivery: the org's job_events of a subscribed type
 * that happened at or after the endpoint's creation.
 */
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { WebhookService } from "../../proto/gen/jobplane/v1/webhook_service_pb.js";
import type { BenchStack } from "./servers.js";

export interface BenchEndpoint {
  readonly id: string;
  /** The receiver path it POSTs to. */
  readonly path: string;
  readonly events: readonly string[];
  readonly secret: string;
  readonly createdAtMs: number;
}

function webhookClient(stack: BenchStack) {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${stack.apiKey}`);
    return next(req);
  };
  return createClient(WebhookService, createConnectTransport({ baseUrl: stack.controlPlaneUrl, httpVersion: "1.1", interceptors: [auth] }));
}

export async function createBenchEndpoint(
  stack: BenchStack,
  receiverBaseUrl: string,
  name: string,
  events: readonly string[],
): Promise<BenchEndpoint> {
  const path = `/hooks/${name}`;
  const { endpoint, secret } = await webhookClient(stack).createWebhookEndpoint({
    url: `${receiverBaseUrl}${path}`,
    events: [...events],
    description: `bench ${name}`,
  });
  if (!endpoint) throw new Error("CreateWebhookEndpoint returned no endpoint");
  return { id: endpoint.id, path, events, secret, createdAtMs: endpoint.createdAt ? timestampMs(endpoint.createdAt) : 0 };
}

/** Stops deliveries to it (events from now on get none). */
export async function deactivateBenchEndpoint(stack: BenchStack, endpoint: BenchEndpoint): Promise<void> {
  await webhookClient(stack).updateWebhookEndpoint({ id: endpoint.id, active: false });
}

/** The ids of the events the endpoint is to receive: its org's, of its types, since its creation. */
export async function expectedEventIds(stack: BenchStack, endpoint: BenchEndpoint): Promise<string[]> {
  const rows = await stack.query<{ event_id: string }>(
    `select ev.event_id from job_events ev join webhook_endpoints e on e.id = $2
      where ev.org_id = $1 and ev.type = any(e.events) and ev.occurred_at >= e.created_at`,
    [stack.orgId, endpoint.id],
  );
  return rows.map((r) => r.event_id);
}
