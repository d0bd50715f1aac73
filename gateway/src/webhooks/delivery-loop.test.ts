import { create } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ClaimedWebhookDeliverySchema, type ClaimedWebhookDelivery } from "../../../proto/gen/jobplane/v1/webhook_delivery_service_pb.js";
import { captureLogger } from "../../../test/support/capture-logger.js";
import { createGatewayMetrics } from "../ops/metrics.js";
import { attemptOutcome, createDeliveryLoop, payloadType, type DeliveryLoop, type DeliveryLoopOptions, type ReportRequest } from "./delivery-loop.js";
import type { PostOutcome } from "./webhook-poster.js";

const SIGNATURE = "v1,c2VjcmV0LXNpZ25hdHVyZQ==";
let seq = 0;
const claimed = (n: number): ClaimedWebhookDelivery[] =>
  Array.from({ length: n }, () => {
    const i = ++seq;
    return create(ClaimedWebhookDeliverySchema, {
      deliveryId: `whd_${i}`,
      endpointId: "whe_1",
      url: `https://hooks.example.com/in?token=url-secret-${i}`,
      attempt: 1,
      payload: `{"type":"job.completed","timestamp":"2026-01-01T00:00:00.000Z","data":{"n":${i}}}`,
      webhookId: `evt_${i}`,
      webhookTimestamp: "1767225600",
      webhookSignature: SIGNATURE,
    });
  });

const OK: PostOutcome = { kind: "answered", statusCode: 200, error: "", durationMs: 7, responseExcerpt: "thanks" };

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

interface Harness {
  readonly loop: DeliveryLoop;
  readonly claims: { max: number; leaseMs: number }[];
  readonly reports: ReportRequest[];
  readonly posted: ClaimedWebhookDelivery[];
  readonly log: ReturnType<typeof captureLogger>;
  readonly metrics: ReturnType<typeof createGatewayMetrics>["webhooks"];
}

const loops: DeliveryLoop[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(loops.splice(0).map((l) => l.stop(0)));
});

function harness(
  overrides: Partial<DeliveryLoopOptions> & {
    claimAnswer?: (max: number, call: number) => Promise<ClaimedWebhookDelivery[]>;
    postAnswer?: (d: ClaimedWebhookDelivery, signal: AbortSignal) => Promise<PostOutcome>;
    reportAnswer?: (r: ReportRequest, call: number) => Promise<boolean>;
  } = {},
): Harness {
  const claims: Harness["claims"] = [];
  const reports: ReportRequest[] = [];
  const posted: ClaimedWebhookDelivery[] = [];
  const log = captureLogger();
  const metrics = createGatewayMetrics().webhooks;
  const loop = createDeliveryLoop({
    claim: (max, leaseMs) => {
      claims.push({ max, leaseMs });
      return overrides.claimAnswer ? overrides.claimAnswer(max, claims.length) : Promise.resolve(claims.length === 1 ? claimed(max) : []);
    },
    post: (d, signal) => {
      posted.push(d);
      return overrides.postAnswer ? overrides.postAnswer(d, signal) : Promise.resolve(OK);
    },
    report: (r) => {
      reports.push(r);
      return overrides.reportAnswer ? overrides.reportAnswer(r, reports.length) : Promise.resolve(true);
    },
    concurrency: 4,
    leaseMs: 30_000,
    pollMs: 3_600_000,
    log: log.logger,
    metrics,
    random: () => 0,
    ...overrides,
  });
  loops.push(loop);
  return { loop, claims, reports, posted, log, metrics };
}

/** Lets every pending promise callback and immediate run. */
const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

describe("createDeliveryLoop", () => {
  it("claims for its free slots at start, POSTs each and reports each attempt", async () => {
    const h = harness({ claimAnswer: (max, call) => Promise.resolve(call === 1 ? claimed(2) : []) });
    h.loop.start();
    await vi.waitFor(() => expect(h.reports).toHaveLength(2));
    expect(h.claims).toEqual([{ max: 4, leaseMs: 30_000 }]);
    expect(h.reports[0]).toEqual({
      deliveryId: h.posted[0]!.deliveryId,
      attempt: 1,
      statusCode: 200,
      error: "",
      durationMs: 7,
      responseExcerpt: "thanks",
    });
    await flush();
    expect(h.claims).toHaveLength(1); // a short answer: nothing more until a wake or the poll
    expect((await h.metrics.attempts.get()).values).toEqual([expect.objectContaining({ labels: { outcome: "delivered" }, value: 2 })]);
  });

  it("logs every attempt without the URL, the signature or the body", async () => {
    const h = harness({ claimAnswer: (_max, call) => Promise.resolve(call === 1 ? claimed(1) : []) });
    h.loop.start();
    const line = await h.log.waitFor("webhook attempt");
    expect(line).toMatchObject({ deliveryId: h.posted[0]!.deliveryId, endpointId: "whe_1", eventType: "job.completed", attempt: 1, statusCode: 200, ms: 7 });
    const text = JSON.stringify(h.log.lines);
    expect(text).not.toContain(SIGNATURE);
    expect(text).not.toContain("url-secret");
    expect(text).not.toContain('\\"data\\"');
  });

  it("claims again at once while claims come back full, then waits for a wake", async () => {
    const answers = [4, 4, 1];
    const h = harness({ claimAnswer: (max, call) => Promise.resolve(claimed(Math.min(max, answers[call - 1] ?? 0))) });
    h.loop.start();
    await vi.waitFor(() => expect(h.reports).toHaveLength(9));
    await flush();
    expect(h.claims).toHaveLength(3);
    h.loop.wake();
    await vi.waitFor(() => expect(h.claims).toHaveLength(4));
  });

  it("never has more than `concurrency` deliveries in flight", async () => {
    const posts: ReturnType<typeof deferred<PostOutcome>>[] = [];
    const h = harness({
      concurrency: 2,
      claimAnswer: (max) => Promise.resolve(claimed(max)),
      postAnswer: (_d, signal) => {
        const d = deferred<PostOutcome>();
        posts.push(d);
        signal.addEventListener("abort", () => d.resolve({ ...OK, kind: "aborted" }));
        return d.promise;
      },
    });
    h.loop.start();
    await vi.waitFor(() => expect(h.posted).toHaveLength(2));
    h.loop.wake();
    await flush();
    expect(h.claims).toEqual([{ max: 2, leaseMs: 30_000 }]);
    expect((await h.metrics.inFlight.get()).values[0]!.value).toBe(2);
    posts[0]!.resolve(OK);
    await vi.waitFor(() => expect(h.claims).toHaveLength(2));
    expect(h.claims[1]).toEqual({ max: 1, leaseMs: 30_000 });
  });

  it("polls for due retries every pollMs", async () => {
    vi.useFakeTimers();
    const h = harness({ pollMs: 1000, claimAnswer: () => Promise.resolve([]) });
    h.loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.claims).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(h.claims).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.claims).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.claims).toHaveLength(3);
  });

  it("retries a failed claim after a backoff", async () => {
    const h = harness({
      claimAnswer: (_max, call) => (call === 1 ? Promise.reject(new Error("control plane unavailable")) : Promise.resolve([])),
    });
    h.loop.start();
    await vi.waitFor(() => expect(h.claims).toHaveLength(2));
    expect((await h.log.waitFor("webhook claim failed")).err).toBe("control plane unavailable");
    expect((await h.metrics.rpcFailures.get()).values).toEqual([expect.objectContaining({ labels: { rpc: "claim" }, value: 1 })]);
  });

  it("retries a failed report", async () => {
    const h = harness({
      claimAnswer: (_max, call) => Promise.resolve(call === 1 ? claimed(1) : []),
      reportAnswer: (_r, call) => (call === 1 ? Promise.reject(new Error("deadline exceeded")) : Promise.resolve(true)),
    });
    h.loop.start();
    await vi.waitFor(() => expect(h.reports).toHaveLength(2));
    expect(h.reports[1]).toEqual(h.reports[0]);
    await h.log.waitFor("report failed; retrying");
  });

  it("gives up reporting when the lease runs out: the delivery is claimed again later", async () => {
    let clock = 0;
    const h = harness({
      now: () => clock,
      claimAnswer: (_max, call) => Promise.resolve(call === 1 ? claimed(1) : []),
      reportAnswer: () => {
        clock += 10_000;
        return Promise.reject(new Error("unavailable"));
      },
    });
    h.loop.start();
    await h.log.waitFor("not reported");
    expect(h.reports).toHaveLength(3); // at 10 s, 20 s, 30 s of a 30 s lease
    await vi.waitFor(async () => expect((await h.metrics.inFlight.get()).values[0]!.value).toBe(0));
  });

  it("stop() stops claiming and waits for in-flight deliveries within the grace", async () => {
    const post = deferred<PostOutcome>();
    const h = harness({ claimAnswer: (_max, call) => Promise.resolve(call === 1 ? claimed(1) : []), postAnswer: () => post.promise });
    h.loop.start();
    await vi.waitFor(() => expect(h.posted).toHaveLength(1));
    let stopped = false;
    const stopping = h.loop.stop(60_000).then(() => (stopped = true));
    h.loop.wake();
    await flush();
    expect(stopped).toBe(false);
    post.resolve(OK);
    await stopping;
    expect(h.reports).toHaveLength(1);
    expect(h.claims).toHaveLength(1);
  });

  it("stop() aborts what outlasts the grace, unreported", async () => {
    const h = harness({
      claimAnswer: (_max, call) => Promise.resolve(call === 1 ? claimed(2) : []),
      postAnswer: (_d, signal) =>
        new Promise((resolve) =>
          signal.addEventListener("abort", () => resolve({ kind: "aborted", statusCode: 0, error: "aborted", durationMs: 1, responseExcerpt: "" })),
        ),
    });
    h.loop.start();
    await vi.waitFor(() => expect(h.posted).toHaveLength(2));
    await h.loop.stop(0);
    expect(h.reports).toHaveLength(0);
    await h.log.waitFor("aborted by shutdown");
    expect((await h.metrics.attempts.get()).values).toEqual([expect.objectContaining({ labels: { outcome: "aborted" }, value: 2 })]);
  });
});

describe("attemptOutcome and payloadType", () => {
  it("label attempts and read the event type from a body", () => {
    expect(attemptOutcome(OK)).toBe("delivered");
    expect(attemptOutcome({ ...OK, statusCode: 302, error: "redirects are not followed" })).toBe("http_error");
    expect(attemptOutcome({ ...OK, kind: "timeout", statusCode: 0 })).toBe("timeout");
    expect(payloadType('{"type":"webhook.test","data":{}}')).toBe("webhook.test");
    expect(payloadType("nope")).toBe("");
  });
});
