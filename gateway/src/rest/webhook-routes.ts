/**
 * /webhooks: WebhookService calls made with the caller's own API key (the
 * control plane checks webhooks:write, scopes everything to the key's org
 * and refuses private targets). Like every route, no rule lives here.
 */
import { validationError } from "../errors/rest-error.js";
import { ok, type Handler } from "../http/handler.js";
import { hasBody } from "../http/json-body.js";
import { callOptions, type ControlPlane } from "../upstream/control-plane.js";
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "./list-jobs-query.js";
import { QueryReader } from "./query-params.js";
import {
  createWebhookEndpointRequest,
  rotateWebhookSecretRequest,
  updateWebhookEndpointRequest,
  webhookDeliveryJson,
  webhookEndpointJson,
  webhookEndpointWithSecretJson,
  type CreateWebhookEndpointBody,
  type RotateWebhookSecretBody,
  type UpdateWebhookEndpointBody,
} from "./webhook-json.js";

export function createWebhookRoutes(cp: ControlPlane) {
  return {
    createWebhookEndpoint: (async (ctx) => {
      const body = await ctx.body<CreateWebhookEndpointBody>();
      const res = await cp.webhooks.createWebhookEndpoint(createWebhookEndpointRequest(body), callOptions(ctx.forwarded));
      return ok({ data: webhookEndpointWithSecretJson(res.endpoint!, res.secret) }, 201);
    }) satisfies Handler,

    listWebhookEndpoints: (async (ctx) => {
      const res = await cp.webhooks.listWebhookEndpoints({}, callOptions(ctx.forwarded));
      return ok({ data: res.endpoints.map(webhookEndpointJson) });
    }) satisfies Handler,

    getWebhookEndpoint: (async (ctx) => {
      const res = await cp.webhooks.getWebhookEndpoint({ id: ctx.params.id! }, callOptions(ctx.forwarded));
      return ok({ data: webhookEndpointJson(res.endpoint!) });
    }) satisfies Handler,

    updateWebhookEndpoint: (async (ctx) => {
      const body = await ctx.body<UpdateWebhookEndpointBody>();
      const res = await cp.webhooks.updateWebhookEndpoint(updateWebhookEndpointRequest(ctx.params.id!, body), callOptions(ctx.forwarded));
      return ok({ data: webhookEndpointJson(res.endpoint!) });
    }) satisfies Handler,

    /**
     * Answers like DELETE /api-keys/{id}: 200 with the resource as it was. The
     * delete itself returns nothing, so the endpoint is read first (two calls).
     */
    deleteWebhookEndpoint: (async (ctx) => {
      const options = callOptions(ctx.forwarded);
      const { endpoint } = await cp.webhooks.getWebhookEndpoint({ id: ctx.params.id! }, options);
      await cp.webhooks.deleteWebhookEndpoint({ id: ctx.params.id! }, options);
      return ok({ data: webhookEndpointJson(endpoint!) });
    }) satisfies Handler,

    rotateWebhookSecret: (async (ctx) => {
      // The body is optional: no body (or Content-Length: 0) rotates with the default overlap.
      const body = hasBody(ctx.req) ? await ctx.body<RotateWebhookSecretBody>() : {};
      const res = await cp.webhooks.rotateWebhookSecret(rotateWebhookSecretRequest(ctx.params.id!, body), callOptions(ctx.forwarded));
      return ok({ data: webhookEndpointWithSecretJson(res.endpoint!, res.secret) });
    }) satisfies Handler,

    listWebhookDeliveries: (async (ctx) => {
      const q = new QueryReader(ctx.query);
      const limit = q.integer("limit", 1, MAX_PAGE_LIMIT) ?? DEFAULT_PAGE_LIMIT;
      const cursor = q.string("cursor") ?? "";
      if (q.violations.length > 0) throw validationError(q.violations);
      const res = await cp.webhooks.listWebhookDeliveries({ endpointId: ctx.params.id!, limit, cursor }, callOptions(ctx.forwarded));
      return ok({ data: res.deliveries.map(webhookDeliveryJson), meta: { limit, nextCursor: res.nextCursor || null } });
    }) satisfies Handler,

    redeliverWebhook: (async (ctx) => {
      const res = await cp.webhooks.redeliverWebhook({ deliveryId: ctx.params.id! }, callOptions(ctx.forwarded));
      return ok({ data: webhookDeliveryJson(res.delivery!) }, 202);
    }) satisfies Handler,

    sendTestWebhook: (async (ctx) => {
      const res = await cp.webhooks.sendTestWebhook({ endpointId: ctx.params.id! }, callOptions(ctx.forwarded));
      return ok({ data: webhookDeliveryJson(res.delivery!) }, 202);
    }) satisfies Handler,
  };
}
