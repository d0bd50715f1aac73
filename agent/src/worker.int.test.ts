/**
 * The worker against real NATS JetStream and a fake AgentService (the
 * control plane's test double): claim/ack/term, redelivery, slots, cancel,
 * reconnect and drain.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../proto/gen/jobplane/v1/errors_pb.js";
import { createTestNats, type TestNats } from "../../test/support/test-nats.js";
import { builtinJobTypes } from "./handlers/builtin.js";
import { SessionClient } from "./session-client.js";
import { DispatchFixture, eventually } from "./testing/dispatch-fixture.js";
import { FAKE_AGENT_TOKEN, FakeControlPlane, type FakeControlPlaneOptions } from "./testing/fake-control-plane.js";
import { Worker } from "./worker.js";

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

interface Harness {
  nats: TestNats;
  fake: FakeControlPlane;
  dispatch: DispatchFixture;
  agentNc: NatsConnection;
  worker: Worker;
}

let h: Partial<Harness> = {};

afterEach(async () => {
  await h.worker?.stop();
  await h.agentNc?.drain();
  h.dispatch?.close();
  await h.fake?.close();
  await h.nats?.cleanup();
  h = {};
});

interface SetupOptions extends FakeControlPlaneOptions {
  types?: string[];
  consumers?: string[];
  slots?: number;
  graceMs?: number;
  backoffMs?: number[];
  start?: boolean;
}

async function setup(options: SetupOptions = {}): Promise<Harness> {
  const types = options.types ?? ["test.echo", "test.sleep", "test.fail"];
  h.nats = await createTestNats();
  h.fake = await FakeControlPlane.start(options);
  h.dispatch = await DispatchFixture.create(h.nats.nc, h.nats.names, options.consumers ?? types, {
    backoffMs: options.backoffMs ?? [150, 300, 450],
  });
  h.agentNc = await connect({ servers: h.nats.url, name: "agent-under-test" });
  const session = new SessionClient({
    baseUrl: h.fake.url,
    token: FAKE_AGENT_TOKEN,
    registration: { jobTypes: types, slots: options.slots ?? 2, version: "0.1.0-test", labels: { region: "test" } },
    logger,
    reconnectBackoff: { initialMs: 50, maxMs: 200 },
    requestTimeoutMs: 5000,
  });
  h.worker = new Worker({
    nc: h.agentNc,
    names: h.nats.names,
    session,
    jobTypes: builtinJobTypes.filter((t) => types.includes(t.name)),
    slots: options.slots ?? 2,
    graceMs: options.graceMs ?? 5000,
    logger,
    fetchExpiresMs: 1000,
    retryBackoff: { initialMs: 50, maxMs: 200 },
  });
  if (options.start !== false) await h.worker.start();
  return h as Harness;
}

const jobId = (n: number) => `job_${n.toString(16).padStart(16, "0")}`;

describe("agent worker (real JetStream, fake control plane)", () => {
  it("registers, claims, acks only after acceptance, runs test.echo and reports CompleteJob with the params", async () => {
    let releaseClaim!: () => void;
    const claimHeld = new Promise<void>((resolve) => (releaseClaim = resolve));
    const { fake, dispatch, worker } = await setup({
      decideClaim: async () => {
        await claimHeld;
        return { accept: { type: "test.echo" } };
      },
    });
    expect(worker.state).toBe("running");
    expect(fake.registrations[0]).toMatchObject({ jobTypes: ["test.echo", "test.sleep", "test.fail"], slots: 2, version: "0.1.0-test", labels: { region: "test" } });
    expect(fake.authorizations.every((a) => a === `Bearer ${FAKE_AGENT_TOKEN}`)).toBe(true);

    fake.setJob(jobId(1), { params: { hello: "world", n: 7 } });
    await dispatch.publish({ jobId: jobId(1), type: "test.echo" });
    const claim = await fake.waitFor("the claim", () => fake.claims()[0]);
    expect(claim).toMatchObject({ jobId: jobId(1), attempt: 1, deliveryCount: 1 });
    // Not acked while the claim is unanswered.
    expect(await dispatch.consumerState("test.echo")).toMatchObject({ numAckPending: 1 });
    releaseClaim();

    const result = await fake.waitFor("the result", () => fake.resultFor(jobId(1)));
    expect(result.kind).toBe("complete");
    if (result.kind !== "complete") return;
    expect(result.value.ref).toMatchObject({ jobId: jobId(1), attempt: 1 });
    expect(result.value.output?.data).toEqual({ hello: "world", n: 7 });
    expect(result.value.usageSeconds).toBeGreaterThanOrEqual(0);
    await eventually("the ack to empty the work queue", async () => (await dispatch.streamMessages()) === 0);
    expect(await dispatch.consumerState("test.echo")).toMatchObject({ numAckPending: 0, numPending: 0 });
    await eventually("the attempt to be released", async () => worker.heldAttempts.length === 0);
  });

  it("terminates the message when the claim is rejected: the work queue is empty and nothing is redelivered", async () => {
    const { fake, dispatch } = await setup({ decideClaim: () => ({ reject: ErrorCode.CONFLICT, message: "already claimed" }) });
    const seq = await dispatch.publish({ jobId: jobId(2), type: "test.echo" });
    const advisory = await dispatch.waitForAdvisory("MSG_TERMINATED", (a) => a.kind === "terminated" && a.streamSeq === seq);
    expect(advisory.consumer).toBe(h.nats!.names.dispatchConsumer("test.echo"));
    expect(await dispatch.streamMessages()).toBe(0);
    expect(await dispatch.consumerState("test.echo")).toMatchObject({ numAckPending: 0, numPending: 0, numRedelivered: 0 });
    expect(fake.claims()).toHaveLength(1);
    expect(fake.results()).toHaveLength(0);
  });

  it("leaves a failed claim (INTERNAL_ERROR) unacked: redelivered with a rising delivery_count until max_deliver", async () => {
    const { fake, dispatch } = await setup({
      types: ["test.echo"],
      decideClaim: () => ({ reject: ErrorCode.INTERNAL_ERROR, message: "internal error" }),
    });
    const seq = await dispatch.publish({ jobId: jobId(3), type: "test.echo" });
    const advisory = await dispatch.waitForAdvisory("MAX_DELIVERIES", (a) => a.kind === "max_deliveries" && a.streamSeq === seq);
    expect(advisory.deliveries).toBe(4);
    await fake.waitFor("the 4th claim", () => (fake.claims().length >= 4 ? true : undefined));
    expect(fake.claims().map((c) => c.deliveryCount)).toEqual([1, 2, 3, 4]);
    // A work queue keeps a max-delivered message (the control plane dead-letters it).
    expect(await dispatch.streamMessages()).toBe(1);
    expect(fake.results()).toHaveLength(0);
  });

  it("leaves the message when the session breaks mid-claim, reconnects (Register again) and claims the redelivery", async () => {
    let claims = 0;
    const { fake, dispatch } = await setup({
      decideClaim: () => (++claims === 1 ? { breakSession: new ConnectError("db down", Code.Unavailable) } : { accept: { type: "test.echo" } }),
    });
    fake.setJob(jobId(4), { params: { again: true } });
    await dispatch.publish({ jobId: jobId(4), type: "test.echo" });
    const result = await fake.waitFor("the result", () => fake.resultFor(jobId(4)));
    expect(result.kind).toBe("complete");
    expect(fake.claims().map((c) => c.deliveryCount)).toEqual([1, 2]);
    expect(fake.registrations.length).toBeGreaterThanOrEqual(2);
    expect(fake.sessionsOpened).toBeGreaterThanOrEqual(2);
  });

  it("never holds more than --slots jobs at once", async () => {
    const { fake, dispatch } = await setup({ slots: 2, types: ["test.sleep"] });
    const ids = [10, 11, 12, 13, 14, 15].map(jobId);
    for (const id of ids) {
      fake.setJob(id, { type: "test.sleep", params: { seconds: 0.3 } });
      await dispatch.publish({ jobId: id, type: "test.sleep" });
    }
    await fake.waitFor("all six results", () => (fake.results().length === 6 ? true : undefined), 20_000);
    let held = 0;
    let maxHeld = 0;
    for (const { request } of fake.received) {
      if (request.message.case === "claim") held++;
      if (request.message.case === "complete" || request.message.case === "fail") held--;
      maxHeld = Math.max(maxHeld, held);
    }
    expect(maxHeld).toBe(2);
    expect(fake.results().every((r) => r.kind === "complete")).toBe(true);
    const heartbeats = fake.received.flatMap((r) => (r.request.message.case === "heartbeat" ? [r.request.message.value] : []));
    expect(heartbeats.every((hb) => hb.running.length <= 2 && hb.running.length + hb.freeSlots <= 2)).toBe(true);
  });

  it("aborts a running test.sleep on CancelAttempt and reports a cancelled FailJob; a cancel for another attempt is ignored", async () => {
    const { fake, dispatch, worker } = await setup({ heartbeatIntervalMs: 200 });
    fake.setJob(jobId(20), { type: "test.sleep", params: { seconds: 30 } });
    await dispatch.publish({ jobId: jobId(20), attempt: 2, type: "test.sleep" });
    const hb = await fake.waitFor("a heartbeat listing the attempt", () =>
      fake.received.find((r) => r.request.message.case === "heartbeat" && r.request.message.value.running.some((a) => a.jobId === jobId(20))),
    );
    expect(hb.request.message.case === "heartbeat" && hb.request.message.value.freeSlots).toBe(1);
    const progress = fake.received.find((r) => r.request.message.case === "progress");
    expect(progress?.request.requestId).toBe(0n);
    expect(progress?.request.message.value).toMatchObject({ ref: { jobId: jobId(20), attempt: 2 }, progress: { percent: 0, step: "sleep" } });

    fake.pushCancel({ jobId: jobId(20), attempt: 1 }, "late cancel of an older attempt");
    fake.pushCancel({ jobId: jobId(20), attempt: 2 }, "cancelled by the user");
    const cancelledAt = Date.now();
    const result = await fake.waitFor("the cancelled result", () => fake.resultFor(jobId(20)));
    expect(Date.now() - cancelledAt).toBeLessThan(1000);
    expect(result.kind).toBe("fail");
    if (result.kind !== "fail") return;
    expect(result.value.ref).toMatchObject({ jobId: jobId(20), attempt: 2 });
    expect(result.value.cancelled).toBe(true);
    expect(result.value.error).toMatchObject({ code: ErrorCode.UNSPECIFIED, message: "cancelled", detail: "cancelled by the user" });
    await eventually("the attempt to be released", async () => worker.heldAttempts.length === 0);
  });

  it("resends a result after INTERNAL_ERROR, after UNAVAILABLE and over a new session when the stream broke before the ack; drops a CONFLICT", async () => {
    const answers = ["internal", "unavailable", "break", "accept"] as const;
    const { fake, dispatch, worker } = await setup({ answerResult: (_result, n) => answers[n - 1] ?? "conflict" });
    fake.setJob(jobId(30), { type: "test.echo", params: { x: 1 } });
    await dispatch.publish({ jobId: jobId(30), type: "test.echo" });
    await fake.waitFor("the result four times", () => (fake.results().length === 4 ? true : undefined));
    expect(fake.results().map((r) => r.kind)).toEqual(["complete", "complete", "complete", "complete"]);
    expect(fake.sessionsOpened).toBeGreaterThanOrEqual(2);
    await eventually("the attempt to be released", async () => worker.heldAttempts.length === 0);

    fake.setJob(jobId(31), { type: "test.echo", params: {} });
    await dispatch.publish({ jobId: jobId(31), type: "test.echo" });
    await fake.waitFor("the next job's result", () => fake.resultFor(jobId(31)));
    await eventually("the conflicting attempt to be dropped", async () => worker.heldAttempts.length === 0);
    expect(fake.results()).toHaveLength(5);
  });

  it("reports test.fail as PROVIDER_ERROR with the log tail, and terminates an undecodable message", async () => {
    const { fake, dispatch } = await setup();
    fake.setJob(jobId(40), { type: "test.fail", params: { message: "exploded" } });
    await dispatch.publish({ jobId: jobId(40), type: "test.fail" });
    const result = await fake.waitFor("the failure", () => fake.resultFor(jobId(40)));
    expect(result.kind).toBe("fail");
    if (result.kind === "fail") {
      expect(result.value.error).toMatchObject({ code: ErrorCode.PROVIDER_ERROR, message: "exploded", retryable: true });
      expect(result.value.error?.detail).toContain("test.fail: failing with PROVIDER_ERROR: exploded");
    }
    const seq = await dispatch.publishRaw("test.echo", new Uint8Array([0xff, 0xff, 0xff]));
    await dispatch.waitForAdvisory("the garbage to be terminated", (a) => a.kind === "terminated" && a.streamSeq === seq);
  });

  it("waits for its dispatch consumer to exist, then serves it", async () => {
    const { fake, dispatch } = await setup({ types: ["test.echo"], consumers: [] });
    await dispatch.publish({ jobId: jobId(50), type: "test.echo" });
    await dispatch.addConsumer("test.echo");
    const result = await fake.waitFor("the result", () => fake.resultFor(jobId(50)), 15_000);
    expect(result.kind).toBe("complete");
  });

  it("drains on stop(): lets a short job finish, aborts a long one after the grace period and reports it, closes the session", async () => {
    const { fake, dispatch, worker } = await setup({ slots: 2, graceMs: 1500, types: ["test.sleep"] });
    fake.setJob(jobId(60), { type: "test.sleep", params: { seconds: 0.5 } });
    fake.setJob(jobId(61), { type: "test.sleep", params: { seconds: 30 } });
    await dispatch.publish({ jobId: jobId(60), type: "test.sleep" });
    await dispatch.publish({ jobId: jobId(61), type: "test.sleep" });
    await fake.waitFor("both attempts running", () => (fake.claims().length === 2 ? true : undefined));

    const stopping = worker.stop();
    expect(worker.state).toBe("draining");
    await dispatch.publish({ jobId: jobId(62), type: "test.sleep" });
    await stopping;
    expect(worker.state).toBe("stopped");
    expect(worker.heldAttempts).toEqual([]);

    const short = fake.resultFor(jobId(60));
    expect(short?.kind).toBe("complete");
    const long = fake.resultFor(jobId(61));
    expect(long?.kind).toBe("fail");
    if (long?.kind === "fail") {
      expect(long.value.cancelled).toBe(false);
      expect(long.value.error).toMatchObject({ code: ErrorCode.PROVIDER_ERROR, message: "agent shutting down", retryable: true });
    }
    expect(fake.claims().map((c) => c.jobId)).not.toContain(jobId(62));
    await fake.waitFor("the session to close", () => (fake.openSessions === 0 ? true : undefined));
  });
});
