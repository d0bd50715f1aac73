/** The session client against the fake AgentService over real h2c. */
import { createServer } from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { SessionClient, SessionTimeoutError, SessionUnavailableError } from "./session-client.js";
import { FAKE_AGENT_TOKEN, FakeControlPlane, type FakeControlPlaneOptions } from "./testing/fake-control-plane.js";

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const registration = { jobTypes: ["test.echo"], slots: 1, version: "test", labels: {} };

let fake: FakeControlPlane | undefined;
let client: SessionClient | undefined;

afterEach(async () => {
  await client?.close();
  await fake?.close();
  client = fake = undefined;
});

async function open(options: FakeControlPlaneOptions = {}, token = FAKE_AGENT_TOKEN) {
  fake = await FakeControlPlane.start(options);
  client = new SessionClient({ baseUrl: fake.url, token, registration, logger, reconnectBackoff: { initialMs: 20, maxMs: 100 } });
  return { fake, client };
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("SessionClient", () => {
  it("registers with the bearer token and returns the session settings", async () => {
    const { fake, client } = await open({ heartbeatIntervalMs: 1234, progressThrottleMs: 0 });
    const settings = await client.connect();
    expect(settings).toEqual({ agentId: "agt_fake0001", heartbeatIntervalMs: 1234, heartbeatTimeoutMs: 10_000, progressThrottleMs: 0 });
    expect(fake.authorizations[0]).toBe(`Bearer ${FAKE_AGENT_TOKEN}`);
    expect(client.connected).toBe(true);
  });

  it("fails the first connect at once when the token is refused", async () => {
    const { client } = await open({}, "jpa_wrong");
    await expect(client.connect()).rejects.toThrow(/refused the agent token: unknown agent token/);
  });

  it("correlates replies by request_id, times out an unanswered request, and hands pushes to onCancel", async () => {
    const { fake, client } = await open({
      decideClaim: (claim) => (claim.jobId === "job_silent" ? { ignore: true } : { accept: { type: "test.echo" } }),
    });
    const cancels: string[] = [];
    let cancelled!: () => void;
    const gotCancel = new Promise<void>((resolve) => (cancelled = resolve));
    client.onCancel((c) => {
      cancels.push(`${c.ref?.jobId}/${c.ref?.attempt}:${c.reason}`);
      cancelled();
    });
    await client.connect();
    const [silent, answered] = await Promise.allSettled([
      client.request({ case: "claim", value: { jobId: "job_silent", attempt: 1, deliveryCount: 1 } }, 300),
      client.request({ case: "claim", value: { jobId: "job_loud", attempt: 3, deliveryCount: 1 } }, 5000),
    ]);
    expect(silent.status === "rejected" && silent.reason).toBeInstanceOf(SessionTimeoutError);
    expect(answered.status === "fulfilled" && answered.value.message.case).toBe("claimAccepted");
    if (answered.status === "fulfilled" && answered.value.message.case === "claimAccepted") {
      expect(answered.value.message.value).toMatchObject({ jobId: "job_loud", attempt: 3 });
    }
    expect(client.send({ case: "heartbeat", value: { running: [], freeSlots: 1 } })).toBe(true);
    await fake.waitFor("the heartbeat", () => fake.received.find((r) => r.request.message.case === "heartbeat"));
    expect(fake.received.find((r) => r.request.message.case === "heartbeat")?.request.requestId).toBe(0n);

    fake.pushCancel({ jobId: "job_loud", attempt: 3 }, "user");
    await gotCancel;
    expect(cancels).toEqual(["job_loud/3:user"]);
  });

  it("fails pending requests when the stream breaks, then reconnects and registers again", async () => {
    const { fake, client } = await open({ decideClaim: () => ({ ignore: true }) });
    const reconnected: string[] = [];
    client.onConnected((s) => reconnected.push(s.agentId));
    await client.connect();
    const pending = client.request({ case: "claim", value: { jobId: "job_x", attempt: 1, deliveryCount: 1 } }, 10_000);
    await fake.waitFor("the claim", () => fake.claims()[0]);
    fake.breakSessions();
    await expect(pending).rejects.toBeInstanceOf(SessionUnavailableError);
    await client.whenConnected();
    await fake.waitFor("a second session", () => (fake.sessionsOpened >= 2 && reconnected.length >= 2 ? true : undefined));
    expect(fake.registrations).toHaveLength(2);
  });

  it("keeps retrying while the control plane is unreachable, and close() ends that promptly", async () => {
    client = new SessionClient({
      baseUrl: `http://127.0.0.1:${await deadPort()}`,
      token: FAKE_AGENT_TOKEN,
      registration,
      logger,
      reconnectBackoff: { initialMs: 20, maxMs: 50 },
    });
    const connecting = client.connect();
    const waiting = client.whenConnected();
    const startedAt = Date.now();
    await client.close();
    expect(Date.now() - startedAt).toBeLessThan(2000);
    await expect(connecting).rejects.toBeInstanceOf(SessionUnavailableError);
    await expect(waiting).rejects.toBeInstanceOf(SessionUnavailableError);
    await expect(client.deliver({ case: "heartbeat", value: {} })).rejects.toBeInstanceOf(SessionUnavailableError);
  });
});
