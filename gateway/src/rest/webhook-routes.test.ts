import type { IncomingMessage, ServerResponse } from "node:http";
import { create } from "@bufbuild/protobuf";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { WebhookDeliverySchema, WebhookDeliveryStatus, WebhookEndpointSchema } from "../../../proto/gen/jobplane/v1/webhook_pb.js";
import { RestError } from "../errors/rest-error.js";
import type { JsonReply, RequestContext } from "../http/handler.js";
import type { ControlPlane } from "../upstream/control-plane.js";
import { createWebhookRoutes } from "./webhook-routes.js";

const endpoint = create(WebhookEndpointSchema, { id: "whe_1", url: "https://hooks.example.com/", events: ["job.completed"], active: true });
const delivery = create(WebhookDeliverySchema, { id: "whd_1", endpointId: "whe_1", status: WebhookDeliveryStatus.PENDING, payload: "{}" });

/** A WebhookService stand-in that records each call with the headers it was given. */
function fakeControlPlane() {
  const calls: { method: string; request: Record<string, unknown>; headers: unknown }[] = [];
  const answer: Record<string, unknown> = {
    createWebhookEndpoint: { endpoint, secret: "whsec_new" },
    listWebhookEndpoints: { endpoints: [endpoint] },
    getWebhookEndpoint: { endpoint },
    updateWebhookEndpoint: { endpoint },
    deleteWebhookEndpoint: {},
    rotateWebhookSecret: { endpoint, secret: "whsec_rotated" },
    listWebhookDeliveries: { deliveries: [delivery], nextCursor: "" },
    redeliverWebhook: { delivery },
    sendTestWebhook: { delivery },
  };
  const webhooks = new Proxy(
    {},
    {
      get: (_t, method: string) => async (request: Record<string, unknown>, options: { headers: unknown }) => {
        calls.push({ method, request, headers: options.headers });
        return answer[method];
      },
    },
  );
  return { cp: { webhooks } as unknown as ControlPlane, calls };
}

function context(init: { params?: Record<string, string>; query?: string; body?: unknown; contentLength?: string }): RequestContext {
  const headers: Record<string, string> = init.contentLength === undefined ? {} : { "content-length": init.contentLength };
  return {
    req: { headers } as unknown as IncomingMessage,
    res: {} as ServerResponse,
    requestId: "req_1",
    params: init.params ?? {},
    query: new URLSearchParams(init.query ?? ""),
    forwarded: { authorization: "Bearer jp_live_x", requestId: "req_1", signal: new AbortController().signal },
    log: pino({ level: "silent" }),
    body: async <T,>() => init.body as T,
  };
}

const reply = (r: unknown) => r as JsonReply & { body: { data: Record<string, unknown>; meta?: unknown } };

describe("the webhook routes", () => {
  it("create: 201 with the endpoint and its secret, forwarding the caller's key", async () => {
    const { cp, calls } = fakeControlPlane();
    const r = reply(await createWebhookRoutes(cp).createWebhookEndpoint(context({ body: { url: "https://hooks.example.com/" }, contentLength: "40" })));
    expect(r.status).toBe(201);
    expect(r.body.data).toMatchObject({ id: "whe_1", secret: "whsec_new" });
    expect(calls).toEqual([
      {
        method: "createWebhookEndpoint",
        request: { url: "https://hooks.example.com/", events: [], description: "" },
        headers: { "x-request-id": "req_1", authorization: "Bearer jp_live_x" },
      },
    ]);
  });

  it("update: a present event list replaces the old one", async () => {
    const { cp, calls } = fakeControlPlane();
    const r = reply(await createWebhookRoutes(cp).updateWebhookEndpoint(context({ params: { id: "whe_1" }, body: { events: ["job.failed"] } })));
    expect(r.status).toBe(200);
    expect(calls[0]!.request).toEqual({ id: "whe_1", replaceEvents: true, events: ["job.failed"] });
  });

  it("delete: answers 200 with the endpoint as it was", async () => {
    const { cp, calls } = fakeControlPlane();
    const r = reply(await createWebhookRoutes(cp).deleteWebhookEndpoint(context({ params: { id: "whe_1" } })));
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ id: "whe_1", url: "https://hooks.example.com/" });
    expect(r.body.data).not.toHaveProperty("secret");
    expect(calls.map((c) => [c.method, c.request])).toEqual([
      ["getWebhookEndpoint", { id: "whe_1" }],
      ["deleteWebhookEndpoint", { id: "whe_1" }],
    ]);
  });

  it("rotate-secret: the body is optional", async () => {
    const { cp, calls } = fakeControlPlane();
    const routes = createWebhookRoutes(cp);
    const bare = reply(await routes.rotateWebhookSecret(context({ params: { id: "whe_1" }, body: "unread" })));
    expect(bare.body.data).toMatchObject({ id: "whe_1", secret: "whsec_rotated" });
    await routes.rotateWebhookSecret(context({ params: { id: "whe_1" }, body: { previousSecretValidSeconds: 60 }, contentLength: "33" }));
    expect(calls.map((c) => c.request)).toEqual([
      { id: "whe_1", previousSecretValidSeconds: 0 },
      { id: "whe_1", previousSecretValidSeconds: 60 },
    ]);
  });

  it("deliveries: pages with limit and cursor; a bad limit is a 400", async () => {
    const { cp, calls } = fakeControlPlane();
    const routes = createWebhookRoutes(cp);
    const r = reply(await routes.listWebhookDeliveries(context({ params: { id: "whe_1" }, query: "limit=10&cursor=abc" })));
    expect(r.body.meta).toEqual({ limit: 10, nextCursor: null });
    expect(r.body.data).toEqual([expect.objectContaining({ id: "whd_1", status: "pending", payload: {} })]);
    expect(calls[0]!.request).toEqual({ endpointId: "whe_1", limit: 10, cursor: "abc" });
    const bad = await routes.listWebhookDeliveries(context({ params: { id: "whe_1" }, query: "limit=500" })).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(RestError);
    expect((bad as RestError).status).toBe(400);
  });

  it("redeliver and test: 202 with the delivery", async () => {
    const { cp, calls } = fakeControlPlane();
    const routes = createWebhookRoutes(cp);
    expect(reply(await routes.redeliverWebhook(context({ params: { id: "whd_1" } }))).status).toBe(202);
    expect(reply(await routes.sendTestWebhook(context({ params: { id: "whe_1" } }))).status).toBe(202);
    expect(calls.map((c) => [c.method, c.request])).toEqual([
      ["redeliverWebhook", { deliveryId: "whd_1" }],
      ["sendTestWebhook", { endpointId: "whe_1" }],
    ]);
  });
});
