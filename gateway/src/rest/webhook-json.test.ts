import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { WebhookDeliverySchema, WebhookDeliveryStatus, WebhookEndpointSchema } from "../../../proto/gen/jobplane/v1/webhook_pb.js";
import { openApiDocument } from "../openapi/document.js";
import { createRequestValidator } from "../openapi/request-validator.js";
import { createResponseValidator } from "../openapi/response-validator.js";
import {
  createWebhookEndpointRequest,
  payloadJson,
  rotateWebhookSecretRequest,
  updateWebhookEndpointRequest,
  webhookDeliveryJson,
  webhookEndpointJson,
  webhookEndpointWithSecretJson,
} from "./webhook-json.js";

const schema = createResponseValidator(structuredClone(openApiDocument));
const requests = createRequestValidator(structuredClone(openApiDocument));
const T = 1_767_225_600_000;

const endpoint = create(WebhookEndpointSchema, {
  id: "whe_0123456789abcdef",
  orgId: "org_1",
  url: "https://hooks.example.com/jobplane",
  events: ["job.completed", "job.failed"],
  description: "billing system",
  active: false,
  disabledReason: "disabled after 20 failed attempts in a row",
  consecutiveFailures: 20,
  previousSecretExpiresAt: timestampFromMs(T + 86_400_000),
  createdAt: timestampFromMs(T),
  updatedAt: timestampFromMs(T + 5),
});

const PAYLOAD = '{"type":"job.completed","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"job_1"}}';

const delivery = create(WebhookDeliverySchema, {
  id: "whd_00aa",
  endpointId: "whe_0123456789abcdef",
  eventId: "evt_42",
  eventType: "job.completed",
  status: WebhookDeliveryStatus.PENDING,
  attempts: 2,
  nextAttemptAt: timestampFromMs(T + 60_000),
  lastStatusCode: 0,
  lastError: "connection refused",
  payload: PAYLOAD,
  createdAt: timestampFromMs(T),
  updatedAt: timestampFromMs(T + 30_000),
  attemptLog: [
    { attempt: 1, attemptedAt: timestampFromMs(T + 1), statusCode: 500, ok: false, error: "", durationMs: 12, responseExcerpt: "oops" },
    { attempt: 2, attemptedAt: timestampFromMs(T + 30_000), statusCode: 0, ok: false, error: "connection refused", durationMs: 3, responseExcerpt: "" },
  ],
});

describe("webhookEndpointJson", () => {
  it("renders every field: unix ms, null for an unset time, no org and no secret", () => {
    const json = webhookEndpointJson(endpoint);
    expect(json).toEqual({
      id: "whe_0123456789abcdef",
      url: "https://hooks.example.com/jobplane",
      events: ["job.completed", "job.failed"],
      description: "billing system",
      active: false,
      disabledReason: "disabled after 20 failed attempts in a row",
      consecutiveFailures: 20,
      previousSecretExpiresAt: T + 86_400_000,
      createdAt: T,
      updatedAt: T + 5,
    });
    expect(schema.checkSchema("WebhookEndpoint", json).problem).toBeUndefined();

    const fresh = webhookEndpointJson(create(WebhookEndpointSchema, { id: "whe_1", url: "https://x.test/", active: true }));
    expect(fresh).toMatchObject({ disabledReason: "", previousSecretExpiresAt: null, createdAt: null, events: [] });
    expect(schema.checkSchema("WebhookEndpoint", fresh).problem).toBeUndefined();
  });

  it("adds the secret for create and rotate, and only the schema with a secret accepts it", () => {
    const json = webhookEndpointWithSecretJson(endpoint, "whsec_c2VjcmV0");
    expect(json.secret).toBe("whsec_c2VjcmV0");
    expect(schema.checkSchema("WebhookEndpointWithSecretResponse", { data: json }).problem).toBeUndefined();
    expect(schema.checkSchema("WebhookEndpointResponse", { data: json }).problem).toMatch(/additional/);
  });
});

describe("webhookDeliveryJson", () => {
  it("renders status, attempts and the parsed payload; a status code of 0 and an empty error are null", () => {
    const json = webhookDeliveryJson(delivery);
    expect(json).toEqual({
      id: "whd_00aa",
      endpointId: "whe_0123456789abcdef",
      eventId: "evt_42",
      eventType: "job.completed",
      status: "pending",
      attempts: 2,
      nextAttemptAt: T + 60_000,
      lastStatusCode: null,
      lastError: "connection refused",
      payload: { type: "job.completed", timestamp: "2026-01-01T00:00:00.000Z", data: { id: "job_1" } },
      createdAt: T,
      updatedAt: T + 30_000,
      attemptLog: [
        { attempt: 1, attemptedAt: T + 1, statusCode: 500, ok: false, error: null, durationMs: 12, responseExcerpt: "oops" },
        { attempt: 2, attemptedAt: T + 30_000, statusCode: null, ok: false, error: "connection refused", durationMs: 3, responseExcerpt: "" },
      ],
    });
    expect(schema.checkSchema("WebhookDeliveryResponse", { data: json }).problem).toBeUndefined();
    expect(schema.checkSchema("WebhookDeliveryPage", { data: [json], meta: { limit: 50, nextCursor: null } }).problem).toBeUndefined();
  });

  it("names every status", () => {
    const status = (s: WebhookDeliveryStatus) => webhookDeliveryJson(create(WebhookDeliverySchema, { status: s, payload: "{}" })).status;
    expect([WebhookDeliveryStatus.DELIVERED, WebhookDeliveryStatus.FAILED, WebhookDeliveryStatus.UNSPECIFIED].map(status)).toEqual([
      "delivered",
      "failed",
      "unspecified",
    ]);
  });

  it("keeps a payload that is not JSON as its text", () => {
    expect(payloadJson("not json")).toBe("not json");
  });
});

describe("webhook request bodies", () => {
  it("maps create, filling what is absent", () => {
    expect(createWebhookEndpointRequest({ url: "https://x.test/h" })).toEqual({ url: "https://x.test/h", events: [], description: "" });
    expect(createWebhookEndpointRequest({ url: "https://x.test/h", events: ["job.failed"], description: "d" })).toEqual({
      url: "https://x.test/h",
      events: ["job.failed"],
      description: "d",
    });
  });

  it("maps update: only present fields are set, and a present event list replaces the old one", () => {
    expect(updateWebhookEndpointRequest("whe_1", {})).toEqual({ id: "whe_1" });
    expect(updateWebhookEndpointRequest("whe_1", { active: true })).toEqual({ id: "whe_1", active: true });
    expect(updateWebhookEndpointRequest("whe_1", { events: [] })).toEqual({ id: "whe_1", replaceEvents: true, events: [] });
    expect(updateWebhookEndpointRequest("whe_1", { url: "https://y.test/", description: "", active: false, events: ["job.created"] })).toEqual({
      id: "whe_1",
      url: "https://y.test/",
      description: "",
      active: false,
      replaceEvents: true,
      events: ["job.created"],
    });
  });

  it("maps rotate: 0 asks for the default overlap", () => {
    expect(rotateWebhookSecretRequest("whe_1", {})).toEqual({ id: "whe_1", previousSecretValidSeconds: 0 });
    expect(rotateWebhookSecretRequest("whe_1", { previousSecretValidSeconds: 3600 })).toEqual({ id: "whe_1", previousSecretValidSeconds: 3600 });
  });

  it("is checked against the request schemas", () => {
    expect(requests.violations("CreateWebhookEndpointRequest", { url: "https://x.test/h", events: ["job.failed"] })).toEqual([]);
    expect(requests.violations("CreateWebhookEndpointRequest", { events: "job.failed", secret: "x" })).toEqual(
      expect.arrayContaining([
        { path: "/url", description: "is required" },
        { path: "/secret", description: "is not a known field" },
        { path: "/events", description: "must be array" },
      ]),
    );
    expect(requests.violations("CreateWebhookEndpointRequest", { url: "not a url" })).toEqual([{ path: "/url", description: 'must match format "uri"' }]);
    expect(requests.violations("CreateWebhookEndpointRequest", { url: "https://x.test/", events: Array(33).fill("job.created") })).toHaveLength(1);
    expect(requests.violations("UpdateWebhookEndpointRequest", {})).toEqual([]);
    expect(requests.violations("UpdateWebhookEndpointRequest", { active: "yes" })).toEqual([{ path: "/active", description: "must be boolean" }]);
    expect(requests.violations("RotateWebhookSecretRequest", { previousSecretValidSeconds: 604801 })).toHaveLength(1);
    expect(requests.violations("RotateWebhookSecretRequest", {})).toEqual([]);
  });
});
