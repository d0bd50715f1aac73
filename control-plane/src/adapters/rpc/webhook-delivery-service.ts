/**
 * WebhookDeliveryService over Connect: the gateways' side of webhook
 * delivery (enqueue events, claim due deliveries, report attempts). Internal:
 * every call takes the admin token (JOBPLANE_ADMIN_TOKEN), like AdminService's
 * operator calls; an API key is UNAUTHORIZED here.
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { WebhookDeliveryService } from "../../../../proto/gen/jobplane/v1/webhook_delivery_service_pb.js";
import { claimWebhookDeliveries, enqueueWebhookEvents, reportWebhookAttempt } from "../../app/webhook-delivery-queue.js";
import { createPgWebhookQueue } from "../postgres/pg-webhook-queue.js";
import type { RpcDeps } from "./rpc-deps.js";

export function createWebhookDeliveryService(deps: RpcDeps): Partial<ServiceImpl<typeof WebhookDeliveryService>> {
  const queueDeps = { queue: createPgWebhookQueue(deps.orm), clock: deps.clock, config: deps.webhooks };
  const requireAdmin = (ctx: HandlerContext): Promise<void> => deps.auth.authenticateAdmin(ctx.requestHeader.get("authorization"));

  return {
    async enqueueWebhookEvents(req, ctx) {
      await requireAdmin(ctx);
      const created = await enqueueWebhookEvents(
        queueDeps,
        req.events.map((e) => ({
          eventId: e.eventId,
          orgId: e.orgId,
          eventType: e.eventType,
          payload: e.payload,
          occurredAt: e.occurredAt ? timestampDate(e.occurredAt) : undefined,
        })),
      );
      return { deliveriesCreated: created };
    },

    async claimWebhookDeliveries(req, ctx) {
      await requireAdmin(ctx);
      const claimed = await claimWebhookDeliveries(queueDeps, req.max, req.leaseMs);
      return {
        deliveries: claimed.map((c) => ({
          deliveryId: c.deliveryId,
          endpointId: c.endpointId,
          url: c.url,
          attempt: c.attempt,
          payload: c.payload,
          webhookId: c.headers.webhookId,
          webhookTimestamp: c.headers.webhookTimestamp,
          webhookSignature: c.headers.webhookSignature,
        })),
      };
    },

    async reportWebhookAttempt(req, ctx) {
      await requireAdmin(ctx);
      const recorded = await reportWebhookAttempt(queueDeps, {
        deliveryId: req.deliveryId,
        attempt: req.attempt,
        statusCode: req.statusCode,
        error: req.error,
        durationMs: req.durationMs,
        responseExcerpt: req.responseExcerpt,
      });
      return { recorded };
    },
  };
}
