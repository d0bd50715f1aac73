import { describe, expect, it } from "vitest";
import { decideHealth, type AgentHealthInputs } from "./health.js";

const SERVING: AgentHealthInputs = {
  worker: "running",
  agentId: "agt_0123456789abcdef",
  sessionConnected: true,
  natsConnected: true,
  slots: 4,
  running: 1,
};

describe("decideHealth", () => {
  it("is 200 ok with the agent id, slots and running attempts when running, registered, in session and on NATS", () => {
    expect(decideHealth(SERVING)).toEqual({
      httpStatus: 200,
      body: { status: "ok", agentId: "agt_0123456789abcdef", slots: 4, running: 1 },
    });
  });

  it("is 503 draining from stop() on, whatever the connections say", () => {
    for (const worker of ["draining", "stopped"] as const) {
      expect(decideHealth({ ...SERVING, worker })).toEqual({ httpStatus: 503, body: { status: "draining" } });
      expect(decideHealth({ ...SERVING, worker, sessionConnected: false, natsConnected: false })).toEqual({
        httpStatus: 503,
        body: { status: "draining" },
      });
    }
  });

  it("is 503 unavailable naming what is down: the session, NATS, or both", () => {
    expect(decideHealth({ ...SERVING, sessionConnected: false })).toEqual({
      httpStatus: 503,
      body: { status: "unavailable", reason: "the session to the control plane is down" },
    });
    expect(decideHealth({ ...SERVING, natsConnected: false })).toEqual({
      httpStatus: 503,
      body: { status: "unavailable", reason: "NATS is disconnected" },
    });
    expect(decideHealth({ ...SERVING, sessionConnected: false, natsConnected: false }).body).toEqual({
      status: "unavailable",
      reason: "the session to the control plane is down; NATS is disconnected",
    });
  });

  it("is 503 unavailable while starting or before the agent has registered", () => {
    expect(decideHealth({ ...SERVING, worker: "starting", agentId: undefined, sessionConnected: false })).toEqual({
      httpStatus: 503,
      body: { status: "unavailable", reason: "the worker is starting; not registered with the control plane" },
    });
    expect(decideHealth({ ...SERVING, agentId: undefined }).body).toEqual({
      status: "unavailable",
      reason: "not registered with the control plane",
    });
  });
});
