/**
 * `jobplane agent` as a real process (bin/jobplane.js on the pinned Node)
 * against real NATS and the fake control plane: it logs "agent ready" with its
 * agent id and ops URL, answers /healthz, runs a job, and on SIGTERM drains
 * and exits 0.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runJobplane, startJobplane, stopAll } from "../../test/support/processes.js";
import { createTestNats, type TestNats } from "../../test/support/test-nats.js";
import { DispatchFixture } from "./testing/dispatch-fixture.js";
import { FAKE_AGENT_TOKEN, FakeControlPlane } from "./testing/fake-control-plane.js";

let nats: TestNats | undefined;
let fake: FakeControlPlane | undefined;
let dispatch: DispatchFixture | undefined;

afterEach(async () => {
  await stopAll();
  dispatch?.close();
  await fake?.close();
  await nats?.cleanup();
  nats = fake = dispatch = undefined;
});

describe("jobplane agent (process)", () => {
  it("logs 'agent ready' with its id, runs a job, and exits 0 on SIGTERM after draining", async () => {
    nats = await createTestNats();
    fake = await FakeControlPlane.start();
    dispatch = await DispatchFixture.create(nats.nc, nats.names, ["test.echo", "test.sleep"]);
    const prefix = nats.streamPrefix.replace(/_$/, "");
    const agent = startJobplane(["agent", "--types", "test.echo,test.sleep", "--slots", "2", "--labels", "host=ci"], {
      CONTROL_PLANE_URL: fake.url,
      NATS_URL: nats.url,
      AGENT_TOKEN: FAKE_AGENT_TOKEN,
      JOBPLANE_NATS_PREFIX: prefix,
      JOBPLANE_AGENT_GRACE_MS: "500",
      LOG_LEVEL: "info",
      AGENT_OPS_PORT: "0",
    });
    const ready = await agent.waitForLog((l) => l.msg === "agent ready", 30_000);
    expect(ready).toMatchObject({ agentId: "agt_fake0001", types: ["test.echo", "test.sleep"], slots: 2 });
    const ops = await agent.waitForLog((l) => l.msg === "agent ops listening");
    expect(ops.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.opsUrl).toBe(ops.url);
    const health = await fetch(`${String(ops.url)}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok", agentId: "agt_fake0001", slots: 2, running: 0 });
    expect(fake.registrations[0]).toMatchObject({ jobTypes: ["test.echo", "test.sleep"], slots: 2, labels: { host: "ci" } });

    fake.setJob("job_00000000000000e1", { type: "test.echo", params: { via: "process" } });
    await dispatch.publish({ jobId: "job_00000000000000e1", type: "test.echo" });
    const done = await fake.waitFor("the result", () => fake!.resultFor("job_00000000000000e1"));
    expect(done.kind).toBe("complete");

    fake.setJob("job_00000000000000e2", { type: "test.sleep", params: { seconds: 60 } });
    await dispatch.publish({ jobId: "job_00000000000000e2", type: "test.sleep" });
    await fake.waitFor("the long job's claim", () => fake!.claims().find((c) => c.jobId === "job_00000000000000e2"));
    expect(await agent.stop("SIGTERM")).toBe(0);
    const aborted = fake.resultFor("job_00000000000000e2");
    expect(aborted?.kind).toBe("fail");
    if (aborted?.kind === "fail") expect(aborted.value.error?.message).toBe("agent shutting down");
  });

  it("refuses an unknown type in --types with a clear message", async () => {
    const result = await runJobplane(["agent", "--types", "test.echo,transcode"], { AGENT_TOKEN: FAKE_AGENT_TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown job type "transcode" in --types; this agent serves: test.echo, test.fail, test.sleep');
  });
});
