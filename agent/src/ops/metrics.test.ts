import { register as globalRegistry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createAgentMetrics } from "./metrics.js";

describe("createAgentMetrics", () => {
  it("exposes slots, running (read at scrape time), attempts by type and outcome, attempt seconds and claims", async () => {
    let running = 0;
    const { registry, recorder } = createAgentMetrics({ slots: 4, types: ["test.echo", "test.sleep"], running: () => running });
    running = 2;
    recorder.claimAnswered("accepted");
    recorder.claimAnswered("accepted");
    recorder.claimAnswered("rejected");
    recorder.attemptFinished("test.echo", "complete", 0.2);
    recorder.attemptFinished("test.sleep", "cancelled", 42);

    const text = await registry.metrics();
    expect(text).toContain("jobplane_agent_slots 4\n");
    expect(text).toContain("jobplane_agent_jobs_running 2\n");
    expect(text).toContain('jobplane_agent_claims_total{result="accepted"} 2\n');
    expect(text).toContain('jobplane_agent_claims_total{result="rejected"} 1\n');
    expect(text).toContain('jobplane_agent_attempts_total{type="test.echo",outcome="complete"} 1\n');
    expect(text).toContain('jobplane_agent_attempts_total{type="test.sleep",outcome="cancelled"} 1\n');
    // Every served type and outcome starts at 0, so rate() sees the first event.
    expect(text).toContain('jobplane_agent_attempts_total{type="test.echo",outcome="timeout"} 0\n');
    expect(text).toContain('jobplane_agent_attempt_seconds_bucket{le="0.5",type="test.echo"} 1\n');
    expect(text).toContain('jobplane_agent_attempt_seconds_bucket{le="30",type="test.sleep"} 0\n');
    expect(text).toContain('jobplane_agent_attempt_seconds_bucket{le="60",type="test.sleep"} 1\n');
    expect(text).toContain('jobplane_agent_attempt_seconds_count{type="test.sleep"} 1\n');
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(registry.contentType).toContain("text/plain");
  });

  it("keeps its own registry: nothing lands in prom-client's global one, and two agents do not collide", async () => {
    const a = createAgentMetrics({ slots: 1, types: ["test.echo"], running: () => 0 });
    const b = createAgentMetrics({ slots: 8, types: ["test.echo"], running: () => 0 });
    a.recorder.claimAnswered("accepted");
    expect(await b.registry.metrics()).toContain('jobplane_agent_claims_total{result="accepted"} 0\n');
    expect(await globalRegistry.metrics()).not.toContain("jobplane_agent_");
  });
});
