import { describe, expect, it } from "vitest";
import type { AgentControlBus, AgentNotice } from "./agent-control.js";
import { createAgentRegistry } from "./agent-registry.js";

function fakeBus() {
  const handlers = new Map<string, (n: AgentNotice) => void>();
  const log: string[] = [];
  const bus: AgentControlBus = {
    async publish(agentId, notice) {
      handlers.get(agentId)?.(notice);
    },
    async subscribe(agentId, onNotice) {
      log.push(`sub ${agentId}`);
      handlers.set(agentId, onNotice);
      return () => {
        log.push(`unsub ${agentId}`);
        handlers.delete(agentId);
      };
    },
  };
  return { bus, log };
}

const notice = { jobId: "job_1", attempt: 1, reason: "cancel requested" };

describe("createAgentRegistry", () => {
  it("subscribes once per agent, fans notices out to its sessions, unsubscribes after the last one closes", async () => {
    const { bus, log } = fakeBus();
    const registry = createAgentRegistry(bus);
    const got: string[] = [];
    const closeA = await registry.open("agt_1", () => got.push("a"));
    const closeB = await registry.open("agt_1", () => got.push("b"));
    expect(registry.sessionCount("agt_1")).toBe(2);

    await bus.publish("agt_1", notice);
    expect(got.sort()).toEqual(["a", "b"]);

    closeA();
    closeA();
    await bus.publish("agt_1", notice);
    expect(got.filter((g) => g === "a")).toHaveLength(1);
    closeB();
    await Promise.resolve();
    expect(registry.sessionCount("agt_1")).toBe(0);
    expect(log).toEqual(["sub agt_1", "unsub agt_1"]);

    await registry.open("agt_1", () => {});
    expect(log).toEqual(["sub agt_1", "unsub agt_1", "sub agt_1"]);
  });

  it("does not register a session whose subscription failed", async () => {
    const bus: AgentControlBus = {
      publish: async () => {},
      subscribe: async () => {
        throw new Error("nats down");
      },
    };
    const registry = createAgentRegistry(bus);
    await expect(registry.open("agt_1", () => {})).rejects.toThrow("nats down");
    expect(registry.sessionCount("agt_1")).toBe(0);
  });
});
