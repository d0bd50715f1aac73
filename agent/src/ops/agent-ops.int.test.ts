/**
 * The agent's ops port end to end: startAgent() (main.ts's wiring) against a
 * real in-process control plane on its own database and NATS prefix, with
 * AGENT_OPS_PORT=0. /metrics counts a real test.echo job, /healthz turns
 * 503 "draining" the moment stop() begins and stays so while a job holds the
 * drain open, and 503 "unavailable" while NATS or the control plane is cut
 * away (TCP proxies), 200 again once they are back. A taken AGENT_OPS_PORT
 * stops the start; a taken default port only turns the endpoints off.
 */
import type { Client } from "@connectrpc/connect";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { JobService } from "../../../proto/gen/jobplane/v1/job_service_pb.js";
import { seedAgentWithToken } from "../../../test/support/agent-fixtures.js";
import { captureLogger, type CapturedLogger } from "../../../test/support/capture-logger.js";
import { startTestControlPlane, type TestControlPlane } from "../../../test/support/control-plane.js";
import { useDeferredCleanup } from "../../../test/support/deferred-cleanup.js";
import { seedCaller } from "../../../test/support/job-api.js";
import { createTcpProxy } from "../../../test/support/tcp-proxy.js";
import { useTestDatabase } from "../../../test/support/test-database.js";
import { until } from "../../../test/support/until.js";
import { readAgentConfig, type AgentConfig } from "../config.js";
import { builtinJobTypes } from "../handlers/builtin.js";
import { startAgent, type RunningAgent } from "../main.js";

const TYPES = ["test.echo", "test.sleep"];
const db = useTestDatabase();
const defer = useDeferredCleanup();

interface Stack {
  readonly cp: TestControlPlane;
  readonly token: string;
  readonly jobs: Client<typeof JobService>;
}

interface StartedAgent {
  readonly agent: RunningAgent;
  readonly opsUrl: string;
  readonly log: CapturedLogger;
}

/** A control plane that dispatches, on the test's database and its own NATS prefix; an agent token; a caller with credits. */
async function startStack(): Promise<Stack> {
  const cp = await startTestControlPlane({ databaseUrl: db.url, dispatching: true });
  defer(() => cp.close());
  const { token } = await seedAgentWithToken(db.orm, TYPES);
  const caller = await seedCaller(db.orm, { credits: 10_000 });
  return { cp, token, jobs: cp.client(JobService, caller.key) };
}

/** startAgent() as main.ts runs it, configured through readAgentConfig with AGENT_OPS_PORT=0. */
async function startTestAgent(
  stack: Stack,
  urls: { controlPlane?: string; nats?: string } = {},
  configure: (config: AgentConfig) => AgentConfig = (c) => c,
): Promise<StartedAgent> {
  const config = configure(readAgentConfig(
    ["--types", TYPES.join(","), "--slots", "2"],
    {
      AGENT_TOKEN: stack.token,
      CONTROL_PLANE_URL: urls.controlPlane ?? stack.cp.url,
      NATS_URL: urls.nats ?? stack.cp.nats.url,
      JOBPLANE_NATS_PREFIX: stack.cp.nats.prefix,
      JOBPLANE_AGENT_GRACE_MS: "20000",
      AGENT_OPS_PORT: "0",
    },
    builtinJobTypes.map((t) => t.name),
  ));
  const log = captureLogger("info");
  const agent = await startAgent({ config, logger: log.logger, jobTypes: builtinJobTypes });
  defer(() => agent.stop());
  return { agent, opsUrl: agent.opsUrl!, log };
}

async function get(url: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(url, init);
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

async function healthz(opsUrl: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await get(`${opsUrl}/healthz`);
  expect(res.type).toBe("application/json");
  return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
}

const jobIn = (jobs: Client<typeof JobService>, id: string, status: JobStatus) => async (): Promise<true | undefined> =>
  (await jobs.getJob({ id })).job?.status === status ? true : undefined;

describe("agent ops port (/healthz, /metrics)", () => {
  it("logs its URL, counts a test.echo job in /metrics, answers 404 elsewhere, and turns 503 draining when stop() begins", async () => {
    const stack = await startStack();
    const { jobs } = stack;
    const { agent, opsUrl, log } = await startTestAgent(stack);
    expect(opsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await log.waitFor("agent ops listening")).toMatchObject({ url: opsUrl });
    expect(await healthz(opsUrl)).toEqual({ status: 200, body: { status: "ok", agentId: agent.agentId, slots: 2, running: 0 } });

    const { job: echo } = await jobs.submitJob({ type: "test.echo", params: { hello: "ops" } });
    await until("the test.echo job COMPLETE", Date.now() + 20_000, jobIn(jobs, echo!.id, JobStatus.COMPLETE));
    const scraped = await until("/metrics to count the attempt and release it", Date.now() + 10_000, async () => {
      const text = (await get(`${opsUrl}/metrics`)).body;
      return text.includes('jobplane_agent_attempts_total{type="test.echo",outcome="complete"} 1\n') &&
        text.includes("jobplane_agent_jobs_running 0\n")
        ? text
        : undefined;
    });
    expect(scraped).toContain('jobplane_agent_claims_total{result="accepted"} 1\n');
    expect(scraped).toContain('jobplane_agent_claims_total{result="rejected"} 0\n');
    expect(scraped).toContain("jobplane_agent_slots 2\n");
    expect(scraped).toContain('jobplane_agent_attempt_seconds_count{type="test.echo"} 1\n');
    expect(scraped).toContain('jobplane_agent_attempts_total{type="test.sleep",outcome="complete"} 0\n');
    expect(scraped).toMatch(/^process_resident_memory_bytes \d+/m);
    const metrics = await get(`${opsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);

    const missing = await get(`${opsUrl}/nope?x=1`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: "NOT_FOUND" } });
    expect((await get(`${opsUrl}/healthz`, { method: "POST" })).status).toBe(404);

    // A long job keeps the drain open (grace 20 s) until the test cancels it.
    const { job: sleeper } = await jobs.submitJob({ type: "test.sleep", params: { seconds: 600 } });
    await until("the agent to hold the test.sleep attempt", Date.now() + 20_000, async () => {
      const h = await healthz(opsUrl);
      return h.body.running === 1 ? h : undefined;
    });
    const stopping = agent.stop();
    expect(await healthz(opsUrl)).toEqual({ status: 503, body: { status: "draining" } });
    expect(agent.worker.state).toBe("draining");

    await jobs.cancelJob({ id: sleeper!.id });
    await stopping;
    expect(agent.worker.state).toBe("stopped");
    await until("the test.sleep job CANCELLED", Date.now() + 10_000, jobIn(jobs, sleeper!.id, JobStatus.CANCELLED));
    // The ops port closed with the agent.
    await expect(fetch(`${opsUrl}/healthz`)).rejects.toThrow();
    expect(log.lines.some((l) => l.msg === "agent ops closed")).toBe(true);
  });

  it("answers 503 unavailable while NATS or the control plane is cut away, and 200 once each is back", async () => {
    const stack = await startStack();
    const natsTarget = new URL(stack.cp.nats.url);
    const nats = await createTcpProxy(natsTarget.hostname, Number(natsTarget.port || 4222));
    defer(() => nats.stop());
    const controlPlane = await createTcpProxy("127.0.0.1", Number(new URL(stack.cp.url).port));
    defer(() => controlPlane.stop());
    const { opsUrl } = await startTestAgent(stack, {
      controlPlane: `http://127.0.0.1:${controlPlane.port}`,
      nats: `nats://127.0.0.1:${nats.port}`,
    });
    const ok = async () => {
      const h = await healthz(opsUrl);
      return h.status === 200 ? h : undefined;
    };
    const unavailable = (reason: string) => async () => {
      const h = await healthz(opsUrl);
      return h.status === 503 && h.body.status === "unavailable" && h.body.reason === reason ? h : undefined;
    };
    await until("healthy", Date.now() + 10_000, ok);

    await nats.stop();
    await until("unavailable: NATS", Date.now() + 10_000, unavailable("NATS is disconnected"));
    await nats.start();
    await until("healthy after NATS is back", Date.now() + 20_000, ok);

    await controlPlane.stop();
    await until("unavailable: session", Date.now() + 10_000, unavailable("the session to the control plane is down"));
    await controlPlane.start();
    await until("healthy after the control plane is back", Date.now() + 30_000, ok);
  });

  it("does not start on a taken AGENT_OPS_PORT; on a taken default port it runs without the ops port and says so", async () => {
    const stack = await startStack();
    const squatter = http.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    defer(() => new Promise((resolve) => squatter.close(resolve)));
    const taken = (squatter.address() as AddressInfo).port;

    const explicit = (c: AgentConfig): AgentConfig => ({ ...c, ops: { host: "127.0.0.1", port: taken, explicit: true } });
    await expect(startTestAgent(stack, {}, explicit)).rejects.toThrow(
      new RegExp(`^AGENT_OPS_PORT/AGENT_OPS_HOST: cannot listen on 127\\.0\\.0\\.1:${taken}: .*EADDRINUSE`),
    );

    // As if it were the default port, taken by another agent on the host.
    const byDefault = (c: AgentConfig): AgentConfig => ({ ...c, ops: { host: "127.0.0.1", port: taken, explicit: false } });
    const { agent, log } = await startTestAgent(stack, {}, byDefault);
    expect(agent.opsUrl).toBeUndefined();
    expect(agent.worker.state).toBe("running");
    expect(await log.waitFor("the default ops port is taken")).toMatchObject({ level: 40, port: taken });
  });
});
