/**
 * WebhookService through the real server and Postgres: endpoint CRUD, the
 * webhooks:write scope, other orgs' ids as NOT_FOUND, URL and event-list
 * validation, the private-address refusal (with and without
 * JOBPLANE_WEBHOOK_ALLOW_PRIVATE), and delivery history pages.
 */
import { toJsonString } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { ListWebhookEndpointsResponseSchema, WebhookService } from "../../../../proto/gen/jobplane/v1/webhook_service_pb.js";
import { errorCodeOf, rejection } from "../../../../test/support/job-api.js";
import { useWebhookApi } from "../../../../test/support/webhook-api.js";

const URL_A = "http://127.0.0.1:9/a";

describe("WebhookService endpoints", () => {
  const api = useWebhookApi();

  it("creates, lists newest first, reads, changes and deletes an endpoint", async () => {
    const { orgId, webhooks } = await api.org();
    const created = await webhooks.createWebhookEndpoint({ url: URL_A, description: "orders" });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const endpoint = created.endpoint!;
    expect(endpoint).toMatchObject({ orgId, url: URL_A, description: "orders", active: true, disabledReason: "", consecutiveFailures: 0 });
    expect(endpoint.id).toMatch(/^whe_[0-9a-f]{24}$/);
    expect(endpoint.events).not.toContain("job.progress");
    expect(endpoint.events).toContain("balance.depleted");
    expect(endpoint.previousSecretExpiresAt).toBeUndefined();

    const second = (await webhooks.createWebhookEndpoint({ url: "http://127.0.0.1:9/b", events: ["job.progress"] })).endpoint!;
    expect((await webhooks.listWebhookEndpoints({})).endpoints.map((e) => e.id)).toEqual([second.id, endpoint.id]);
    expect((await webhooks.getWebhookEndpoint({ id: endpoint.id })).endpoint).toEqual(endpoint);
    // The secret is shown once: never in reads.
    const listed = toJsonString(ListWebhookEndpointsResponseSchema, await webhooks.listWebhookEndpoints({}));
    expect(listed).not.toContain(created.secret.slice(6));

    const changed = (
      await webhooks.updateWebhookEndpoint({ id: endpoint.id, url: "http://127.0.0.1:9/c", replaceEvents: true, events: ["job.failed"], description: "" })
    ).endpoint!;
    expect(changed).toMatchObject({ url: "http://127.0.0.1:9/c", events: ["job.failed"], description: "" });
    // Unset fields stay; replace_events with an empty list restores the default set.
    const defaults = (await webhooks.updateWebhookEndpoint({ id: endpoint.id, replaceEvents: true })).endpoint!;
    expect(defaults).toMatchObject({ url: "http://127.0.0.1:9/c", events: endpoint.events });

    const disabled = (await webhooks.updateWebhookEndpoint({ id: endpoint.id, active: false })).endpoint!;
    expect(disabled).toMatchObject({ active: false, disabledReason: "disabled by the user" });
    const enabled = (await webhooks.updateWebhookEndpoint({ id: endpoint.id, active: true })).endpoint!;
    expect(enabled).toMatchObject({ active: true, disabledReason: "" });

    await api.gateway().enqueueWebhookEvents({ events: [api.event(orgId, "job.created")] });
    await webhooks.deleteWebhookEndpoint({ id: endpoint.id });
    expect(await errorCodeOf(webhooks.getWebhookEndpoint({ id: endpoint.id }))).toBe(ErrorCode.NOT_FOUND);
    expect(await errorCodeOf(webhooks.deleteWebhookEndpoint({ id: endpoint.id }))).toBe(ErrorCode.NOT_FOUND);
    const left = await api.db.orm.em.fork().execute("select 1 from webhook_deliveries where endpoint_id = ?", [endpoint.id]);
    expect(left).toEqual([]);
  });

  it("needs an API key with webhooks:write for every call", async () => {
    const reader = await api.org(["jobs:read", "jobs:write", "billing:read"]);
    expect(await errorCodeOf(reader.webhooks.listWebhookEndpoints({}))).toBe(ErrorCode.FORBIDDEN);
    expect(await errorCodeOf(reader.webhooks.createWebhookEndpoint({ url: URL_A }))).toBe(ErrorCode.FORBIDDEN);
    expect(await errorCodeOf(api.cp.client(WebhookService).listWebhookEndpoints({}))).toBe(ErrorCode.UNAUTHORIZED);
  });

  it("answers NOT_FOUND for another org's endpoint and deliveries, and changes nothing", async () => {
    const owner = await api.org();
    const other = await api.org();
    const { endpoint } = await owner.webhooks.createWebhookEndpoint({ url: URL_A });
    const id = endpoint!.id;
    const test = (await owner.webhooks.sendTestWebhook({ endpointId: id })).delivery!;
    const calls = [
      () => other.webhooks.getWebhookEndpoint({ id }),
      () => other.webhooks.updateWebhookEndpoint({ id, active: false }),
      () => other.webhooks.deleteWebhookEndpoint({ id }),
      () => other.webhooks.rotateWebhookSecret({ id }),
      () => other.webhooks.listWebhookDeliveries({ endpointId: id }),
      () => other.webhooks.sendTestWebhook({ endpointId: id }),
      () => other.webhooks.redeliverWebhook({ deliveryId: test.id }),
    ];
    for (const call of calls) expect(await errorCodeOf(call())).toBe(ErrorCode.NOT_FOUND);
    expect((await other.webhooks.listWebhookEndpoints({})).endpoints).toEqual([]);
    expect((await owner.webhooks.getWebhookEndpoint({ id })).endpoint).toMatchObject({ active: true });
    expect((await owner.webhooks.listWebhookDeliveries({ endpointId: id })).deliveries).toHaveLength(1);
  });

  it("refuses bad URLs, event lists, descriptions and rotation windows with their paths", async () => {
    const { webhooks } = await api.org();
    const pathOf = async (call: Promise<unknown>) => (await rejection(call)).detail.violations.map((v) => v.path);
    for (const url of ["", "ftp://example.com/x", "/relative", "https://user:pw@127.0.0.1/x", `http://127.0.0.1/${"x".repeat(2048)}`]) {
      expect(await pathOf(webhooks.createWebhookEndpoint({ url }))).toEqual(["/url"]);
    }
    expect(await pathOf(webhooks.createWebhookEndpoint({ url: "http://no-such-host.invalid/x" }))).toEqual(["/url"]);
    expect(await pathOf(webhooks.createWebhookEndpoint({ url: URL_A, events: ["job.created", "job.exploded", "job.created"] }))).toEqual([
      "/events/1",
      "/events/2",
    ]);
    expect(await pathOf(webhooks.createWebhookEndpoint({ url: URL_A, description: "x".repeat(1025) }))).toEqual(["/description"]);
    const { endpoint } = await webhooks.createWebhookEndpoint({ url: URL_A });
    expect(await pathOf(webhooks.updateWebhookEndpoint({ id: endpoint!.id, url: "gopher://x/" }))).toEqual(["/url"]);
    expect(await pathOf(webhooks.rotateWebhookSecret({ id: endpoint!.id, previousSecretValidSeconds: 604_801 }))).toEqual([
      "/previousSecretValidSeconds",
    ]);
    expect((await webhooks.listWebhookEndpoints({})).endpoints).toHaveLength(1);
  });

  it("pages an endpoint's deliveries newest first, each with its payload", async () => {
    const { orgId, webhooks } = await api.org();
    const { endpoint } = await webhooks.createWebhookEndpoint({ url: URL_A });
    const events = Array.from({ length: 5 }, () => api.event(orgId, "job.completed"));
    for (const e of events) await api.gateway().enqueueWebhookEvents({ events: [e] });
    const ids: string[] = [];
    const payloads: string[] = [];
    let cursor = "";
    do {
      const page = await webhooks.listWebhookDeliveries({ endpointId: endpoint!.id, limit: 2, cursor });
      expect(page.deliveries.length).toBeLessThanOrEqual(2);
      ids.push(...page.deliveries.map((d) => d.eventId));
      payloads.push(...page.deliveries.map((d) => d.payload));
      cursor = page.nextCursor;
    } while (cursor !== "");
    expect(ids).toEqual(events.map((e) => e.eventId).reverse());
    expect(payloads).toEqual(events.map((e) => e.payload).reverse());
    expect((await rejection(webhooks.listWebhookDeliveries({ endpointId: endpoint!.id, cursor: "nope" }))).detail.violations[0]?.path).toBe(
      "/cursor",
    );
    expect((await rejection(webhooks.listWebhookDeliveries({ endpointId: endpoint!.id, limit: 101 }))).detail.violations[0]?.path).toBe(
      "/limit",
    );
  });
});

describe("WebhookService private targets", () => {
  const api = useWebhookApi({ allowPrivate: false });

  it("refuses loopback, private and mapped addresses, by IP or by name, naming the env var", async () => {
    const { webhooks } = await api.org();
    for (const url of ["http://127.0.0.1/x", "http://10.1.2.3/x", "http://[::1]/x", "http://localhost:8080/x", "http://[::ffff:127.0.0.1]/x"]) {
      const { detail } = await rejection(webhooks.createWebhookEndpoint({ url }));
      expect(detail.code, url).toBe(ErrorCode.VALIDATION_ERROR);
      expect(detail.violations[0]?.path).toBe("/url");
      expect(detail.violations[0]?.description).toMatch(/JOBPLANE_WEBHOOK_ALLOW_PRIVATE=1/);
    }
    const { detail } = await rejection(webhooks.createWebhookEndpoint({ url: "http://localhost/x" }));
    expect(detail.violations[0]?.description).toMatch(/loopback address: (127\.0\.0\.1|::1) \(localhost resolves to/);

    // A public address passes (no DNS needed for a literal); moving it to a private one does not.
    const { endpoint } = await webhooks.createWebhookEndpoint({ url: "https://93.184.216.34/hooks" });
    expect(endpoint?.url).toBe("https://93.184.216.34/hooks");
    expect((await rejection(webhooks.updateWebhookEndpoint({ id: endpoint!.id, url: "http://192.168.0.1/" }))).detail.violations[0]?.path).toBe(
      "/url",
    );
  });
});

describe("WebhookService endpoint cap", () => {
  const api = useWebhookApi({ maxEndpointsPerOrg: 3 });

  it("lets an org have at most the configured number of endpoints, also when creates race", async () => {
    const { webhooks } = await api.org();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => webhooks.createWebhookEndpoint({ url: `http://127.0.0.1:9/race${i}` })),
    );
    const created = results.filter((r) => r.status === "fulfilled");
    expect(created).toHaveLength(3);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect(await errorCodeOf(Promise.reject((r as PromiseRejectedResult).reason))).toBe(ErrorCode.PLAN_LIMIT);
    }
    const refused = await rejection(webhooks.createWebhookEndpoint({ url: URL_A }));
    expect(refused.error.rawMessage).toMatch(/at most 3 webhook endpoints/);
    expect(refused.detail.code).toBe(ErrorCode.PLAN_LIMIT);

    // Another org has its own allowance; deleting one makes room again.
    const other = await api.org();
    expect((await other.webhooks.createWebhookEndpoint({ url: URL_A })).endpoint).toBeDefined();
    const first = (created[0] as PromiseFulfilledResult<{ endpoint?: { id: string } }>).value.endpoint!;
    await webhooks.deleteWebhookEndpoint({ id: first.id });
    expect((await webhooks.createWebhookEndpoint({ url: URL_A })).endpoint).toBeDefined();
  });
});
