/**
 * WebhookService over Connect: an org's webhook endpoints and their
 * deliveries. Every call needs an API key with webhooks:write (reading an
 * endpoint shows where events go, so it is guarded like changing one); the
 * org comes from the key, and another org's ids are NOT_FOUND. Errors are
 * DomainErrors, mapped by the error-mapping interceptor.
 */
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { WebhookService } from "../../../../proto/gen/jobplane/v1/webhook_service_pb.js";
import type { Principal } from "../../app/principal.js";
import type { WebhookEndpointRecord } from "../../app/webhook-store.js";
import { listWebhookDeliveries, redeliverWebhook, sendTestWebhook } from "../../app/webhook-deliveries.js";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from "../../app/webhook-endpoints.js";
import { createPgWebhookDeliveryStore } from "../postgres/pg-webhook-deliveries.js";
import { createPgWebhookEndpointStore } from "../postgres/pg-webhook-endpoints.js";
import type { RpcDeps } from "./rpc-deps.js";
import { webhookDeliveryToProto, webhookEndpointToProto } from "./webhook-proto.js";

export function createWebhookService(deps: RpcDeps): Partial<ServiceImpl<typeof WebhookService>> {
  const endpoints = createPgWebhookEndpointStore(deps.orm);
  const deliveries = createPgWebhookDeliveryStore(deps.orm);
  const endpointDeps = {
    endpoints,
    maxEndpointsPerOrg: deps.webhooks.maxEndpointsPerOrg,
    clock: deps.clock,
    urls: { allowPrivate: deps.webhooks.allowPrivate, resolve: deps.resolveHost },
  };
  const deliveryDeps = { endpoints, deliveries, clock: deps.clock, maxAttempts: deps.webhooks.maxAttempts };
  const caller = (ctx: HandlerContext): Promise<Principal> =>
    deps.auth.authenticate(ctx.requestHeader.get("authorization"), "webhooks:write");
  const endpointProto = (e: WebhookEndpointRecord) => webhookEndpointToProto(e, deps.clock());

  return {
    async createWebhookEndpoint(req, ctx) {
      const { orgId } = await caller(ctx);
      const created = await createWebhookEndpoint(endpointDeps, orgId, { url: req.url, events: req.events, description: req.description });
      return { endpoint: endpointProto(created.endpoint), secret: created.secret };
    },

    async listWebhookEndpoints(_req, ctx) {
      const { orgId } = await caller(ctx);
      return { endpoints: (await endpoints.list(orgId)).map(endpointProto) };
    },

    async getWebhookEndpoint(req, ctx) {
      const { orgId } = await caller(ctx);
      return { endpoint: endpointProto(await getWebhookEndpoint(endpointDeps, orgId, req.id)) };
    },

    async updateWebhookEndpoint(req, ctx) {
      const { orgId } = await caller(ctx);
      const updated = await updateWebhookEndpoint(endpointDeps, orgId, {
        id: req.id,
        url: req.url,
        replaceEvents: req.replaceEvents,
        events: req.events,
        description: req.description,
        active: req.active,
      });
      return { endpoint: endpointProto(updated) };
    },

    async deleteWebhookEndpoint(req, ctx) {
      const { orgId } = await caller(ctx);
      await deleteWebhookEndpoint(endpointDeps, orgId, req.id);
      return {};
    },

    async rotateWebhookSecret(req, ctx) {
      const { orgId } = await caller(ctx);
      const rotated = await rotateWebhookSecret(endpointDeps, orgId, req.id, req.previousSecretValidSeconds);
      return { endpoint: endpointProto(rotated.endpoint), secret: rotated.secret };
    },

    async listWebhookDeliveries(req, ctx) {
      const { orgId } = await caller(ctx);
      const page = await listWebhookDeliveries(deliveryDeps, orgId, { endpointId: req.endpointId, limit: req.limit, cursor: req.cursor });
      return { deliveries: page.deliveries.map(webhookDeliveryToProto), nextCursor: page.nextCursor };
    },

    async redeliverWebhook(req, ctx) {
      const { orgId } = await caller(ctx);
      return { delivery: webhookDeliveryToProto(await redeliverWebhook(deliveryDeps, orgId, req.deliveryId)) };
    },

    async sendTestWebhook(req, ctx) {
      const { orgId } = await caller(ctx);
      return { delivery: webhookDeliveryToProto(await sendTestWebhook(deliveryDeps, orgId, req.endpointId)) };
    },
  };
}
