/**
 * The gateway's webhook half end to end against a stand-in control plane (a
 * Connect server with WebhookService.CreateWebhookEndpoint and an in-memory
 * WebhookDeliveryService), real NATS and a real receiver: REST forwards the
 * caller's key, the deliverer uses the admin token, events on the stream
 * become POSTs with the signed headers, and every attempt is reported.
 */
import http, { type IncomingHttpHeaders } from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, toJsonString } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { headers, nanos } from "@nats-io/transport-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JobEventSchema } from "../../../proto/gen/jobplane/v1/event_pb.js";
import { JobSchema, JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import {
  ClaimedWebhookDeliverySchema,
  WebhookDeliveryService,
  type ClaimedWebhookDelivery,
  type ReportWebhookAttemptRequest,
  type WebhookEvent,
} from "../../../proto/gen/jobplane/v1/webhook_delivery_service_pb.js";
import { WebhookEndpointSchema } from "../../../proto/gen/jobplane/v1/webhook_pb.js";
import { WebhookService } from "../../../proto/gen/jobplane/v1/webhook_service_pb.js";
import { EVENT_TYPE_HEADER } from "../../../proto/nats/names.js";
import { captureLogger } from "../../../test/support/capture-logger.js";
import { createTestNats, type TestNats } from "../../../test/support/test-nats.js";
import { until } from "../../../test/support/until.js";
import { readGatewayConfig } from "../config.js";
import { startGateway, type RunningGateway } from "../gateway.js";
import { openApiDocument } from "../openapi/document.js";
import { createResponseValidator } from "../openapi/response-validator.js";

const ADMIN_TOKEN = "test-admin-token-0123456789";
const API_KEY = "jp_live_caller_key";

interface FakeControlPlane {
  readonly url: string;
  readonly enqueued: WebhookEvent[];
  readonly reports: ReportWebhookAttemptRequest[];
  readonly deliveryAuth: Set<string>;
  readonly createCalls: { url: string; authorization: string | null }[];
  close(): Promise<void>;
}

/** One endpoint (receiverUrl); each new event becomes one delivery, due at once. */
async function startFakeControlPlane(receiverUrl: () => string): Promise<FakeControlPlane> {
  const enqueued: WebhookEvent[] = [];
  const reports: ReportWebhookAttemptRequest[] = [];
  const deliveryAuth = new Set<string>();
  const createCalls: FakeControlPlane["createCalls"] = [];
  const deliveries = new Map<string, { claimed: ClaimedWebhookDelivery; leasedUntil: number; done: boolean }>();
  const admin = (ctx: HandlerContext) => {
    const auth = ctx.requestHeader.get("authorization") ?? "";
    deliveryAuth.add(auth);
    if (auth !== `Bearer ${ADMIN_TOKEN}`) throw new ConnectError("admin token required", Code.Unauthenticated);
  };
  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(WebhookService, {
        createWebhookEndpoint: (req, ctx) => {
          createCalls.push({ url: req.url, authorization: ctx.requestHeader.get("authorization") });
          const endpoint = create(WebhookEndpointSchema, { id: "whe_1", orgId: "org_1", url: req.url, events: req.events, active: true });
          return { endpoint, secret: "whsec_dGVzdA==" };
        },
      });
      router.service(WebhookDeliveryService, {
        enqueueWebhookEvents: (req, ctx) => {
          admin(ctx);
          let created = 0;
          for (const e of req.events) {
            enqueued.push(e);
            if (deliveries.has(e.eventId)) continue;
            created++;
            const claimed = create(ClaimedWebhookDeliverySchema, {
              deliveryId: `whd_${e.eventId}`,
              endpointId: "whe_1",
              url: receiverUrl(),
              attempt: 0,
              payload: e.payload,
              webhookId: e.eventId,
              webhookTimestamp: "1767225600",
              webhookSignature: `v1,sig-of-${e.eventId}`,
            });
            deliveries.set(e.eventId, { claimed, leasedUntil: 0, done: false });
          }
          return { deliveriesCreated: created };
        },
        claimWebhookDeliveries: (req, ctx) => {
          admin(ctx);
          const now = Date.now();
          const due = [...deliveries.values()].filter((d) => !d.done && d.leasedUntil <= now).slice(0, req.max);
          for (const d of due) {
            d.leasedUntil = now + req.leaseMs;
            d.claimed.attempt++;
          }
          return { deliveries: due.map((d) => create(ClaimedWebhookDeliverySchema, d.claimed)) };
        },
        reportWebhookAttempt: (req, ctx) => {
          admin(ctx);
          reports.push(req);
          const d = [...deliveries.values()].find((x) => x.claimed.deliveryId === req.deliveryId);
          if (d && req.statusCode >= 200 && req.statusCode < 300) d.done = true;
          else if (d) d.leasedUntil = 0; // retry at once
          return { recorded: true };
        },
      });
    },
  });
  const server = http2.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    enqueued,
    reports,
    deliveryAuth,
    createCalls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Receiver {
  readonly url: string;
  readonly got: { headers: IncomingHttpHeaders; body: string }[];
  /** Status of the next answers, in order; 200 after they run out. */
  readonly statuses: number[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const got: Receiver["got"] = [];
  const statuses: number[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    statuses,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let nats: TestNats;
let fake: FakeControlPlane;
let receiver: Receiver;
let gateway: RunningGateway | undefined;
let log: ReturnType<typeof captureLogger>;

beforeEach(async () => {
  nats = await createTestNats();
  receiver = await startReceiver();
  fake = await startFakeControlPlane(() => receiver.url);
  const jsm = await jetstreamManager(nats.nc);
  await jsm.streams.add({ name: nats.names.eventsStream, subjects: [nats.names.eventSubjects] });
  await jsm.consumers.add(nats.names.eventsStream, {
    durable_name: nats.names.webhookConsumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: nats.names.eventSubjects,
    ack_wait: nanos(30_000),
    max_deliver: -1,
  });
  log = captureLogger("info");
});

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await Promise.all([fake.close(), receiver.close()]);
  await nats.cleanup();
});

async function start(env: Record<string, string> = {}): Promise<RunningGateway> {
  const config = readGatewayConfig({
    GATEWAY_PORT: "0",
    GATEWAY_HOST: "127.0.0.1",
    CONTROL_PLANE_URL: fake.url,
    NATS_URL: nats.url,
    JOBPLANE_NATS_PREFIX: nats.prefix,
    JOBPLANE_ADMIN_TOKEN: ADMIN_TOKEN,
    JOBPLANE_WEBHOOK_ALLOW_PRIVATE: "1",
    GATEWAY_WEBHOOK_POLL_MS: "100",
    GATEWAY_SHUTDOWN_GRACE_MS: "2000",
    ...env,
  });
  gateway = await startGateway(config, log.logger);
  return gateway;
}

async function publishCompleted(id: string): Promise<void> {
  const job = create(JobSchema, { id: "job_00000000000000aa", orgId: "org_1", type: "test.echo", status: JobStatus.COMPLETE, attempt: 1 });
  const event = create(JobEventSchema, {
    id,
    orgId: "org_1",
    jobId: job.id,
    type: "job.completed",
    status: JobStatus.COMPLETE,
    occurredAt: timestampFromMs(1_767_225_600_000),
    job,
    attempt: 1,
  });
  const h = headers();
  h.set(EVENT_TYPE_HEADER, event.type);
  await jetstream(nats.nc).publish(nats.names.eventSubject("org_1", job.id), toJsonString(JobEventSchema, event), { headers: h, msgID: id });
}

describe("the gateway's webhooks", () => {
  it("forwards the caller's key on REST and answers in the documented shape", async () => {
    const g = await start();
    const res = await fetch(`${g.url}/webhooks/endpoints`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ url: "https://hooks.example.com/in", events: ["job.completed"] }),
    });
    const body = (await res.json()) as { data: Record<string, unknown> };
    expect(res.status).toBe(201);
    expect(createResponseValidator(structuredClone(openApiDocument)).check("POST", "/webhooks/endpoints", 201, "application/json", body).problem).toBeUndefined();
    expect(body.data).toMatchObject({ id: "whe_1", url: "https://hooks.example.com/in", events: ["job.completed"], secret: "whsec_dGVzdA==" });
    expect(fake.createCalls).toEqual([{ url: "https://hooks.example.com/in", authorization: `Bearer ${API_KEY}` }]);

    const bad = await fetch(`${g.url}/webhooks/endpoints`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ url: "nope", color: "red" }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { details: { violations: unknown[] } } }).error.details.violations).toEqual(
      expect.arrayContaining([{ path: "/url", description: 'must match format "uri"' }, { path: "/color", description: "is not a known field" }]),
    );
  });

  it("turns stream events into signed POSTs and reports every attempt, retrying a failure", async () => {
    receiver.statuses.push(503);
    await start();
    await publishCompleted("evt_00000000000000a1");
    await until("delivered", Date.now() + 20_000, async () => (fake.reports.some((r) => r.statusCode === 200) ? true : undefined));

    expect(fake.enqueued.map((e) => [e.eventId, e.orgId, e.eventType])).toEqual([["evt_00000000000000a1", "org_1", "job.completed"]]);
    expect(fake.deliveryAuth).toEqual(new Set([`Bearer ${ADMIN_TOKEN}`]));
    expect(receiver.got).toHaveLength(2);
    const [first, second] = receiver.got;
    expect(first!.body).toBe(fake.enqueued[0]!.payload);
    expect(JSON.parse(first!.body)).toMatchObject({ type: "job.completed", timestamp: "2026-01-01T00:00:00.000Z", data: { id: "job_00000000000000aa", status: "complete" } });
    expect(first!.headers).toMatchObject({
      "webhook-id": "evt_00000000000000a1",
      "webhook-timestamp": "1767225600",
      "webhook-signature": "v1,sig-of-evt_00000000000000a1",
      "user-agent": "jobplane-webhooks/1",
      "content-type": "application/json",
    });
    expect(second!.body).toBe(first!.body);
    expect(fake.reports.map((r) => [r.deliveryId, r.attempt, r.statusCode])).toEqual([
      ["whd_evt_00000000000000a1", 1, 503],
      ["whd_evt_00000000000000a1", 2, 200],
    ]);
    const attempts = log.lines.filter((l) => l.msg === "webhook attempt");
    expect(attempts.map((l) => l.statusCode)).toEqual([503, 200]);
    expect(JSON.stringify(log.lines)).not.toContain("sig-of-");
  });

  it("delivers nothing without an admin token, and says so", async () => {
    await start({ JOBPLANE_ADMIN_TOKEN: "" });
    await log.waitFor("JOBPLANE_ADMIN_TOKEN is not set");
    await publishCompleted("evt_00000000000000b1");
    const info = await (await jetstreamManager(nats.nc)).consumers.info(nats.names.eventsStream, nats.names.webhookConsumer);
    expect(info.num_ack_pending).toBe(0);
    expect(fake.enqueued).toEqual([]);
    expect(fake.deliveryAuth.size).toBe(0);
  });
});
