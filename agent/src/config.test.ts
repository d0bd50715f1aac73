import { describe, expect, it } from "vitest";
import { readAgentConfig } from "./config.js";

const KNOWN = ["test.echo", "test.sleep", "test.fail"];
const ENV = { AGENT_TOKEN: "jpa_0123456789abcdef" };

describe("readAgentConfig", () => {
  it("applies the defaults", () => {
    expect(readAgentConfig([], ENV, KNOWN)).toEqual({
      controlPlaneUrl: "http://127.0.0.1:7070",
      natsUrl: "nats://127.0.0.1:4222",
      token: "jpa_0123456789abcdef",
      natsPrefix: "",
      graceMs: 30_000,
      logLevel: "info",
      types: KNOWN,
      slots: 4,
      labels: {},
      ops: { host: "127.0.0.1", port: 9464, explicit: false },
    });
  });

  it("reads the environment and the flags", () => {
    const config = readAgentConfig(
      ["--types", "test.echo, test.sleep,test.echo", "--slots", "8", "--labels=region=eu-west,gpu=none, host=a=b"],
      {
        ...ENV,
        CONTROL_PLANE_URL: "http://cp.internal:7070/",
        NATS_URL: "nats://nats:4222",
        JOBPLANE_NATS_PREFIX: "staging",
        JOBPLANE_AGENT_GRACE_MS: "5000",
        LOG_LEVEL: "debug",
      },
      KNOWN,
    );
    expect(config).toMatchObject({
      controlPlaneUrl: "http://cp.internal:7070",
      natsUrl: "nats://nats:4222",
      natsPrefix: "staging",
      graceMs: 5000,
      logLevel: "debug",
      types: ["test.echo", "test.sleep"],
      slots: 8,
      labels: { region: "eu-west", gpu: "none", host: "a=b" },
    });
  });

  it("reads AGENT_OPS_PORT and AGENT_OPS_HOST", () => {
    const ops = (env: Record<string, string>) => readAgentConfig([], { ...ENV, ...env }, KNOWN).ops;
    expect(ops({ AGENT_OPS_PORT: "9100" })).toEqual({ host: "127.0.0.1", port: 9100, explicit: true });
    expect(ops({ AGENT_OPS_PORT: "0" })).toEqual({ host: "127.0.0.1", port: 0, explicit: true });
    expect(ops({ AGENT_OPS_PORT: " 65535 " })).toMatchObject({ port: 65535 });
    expect(ops({ AGENT_OPS_PORT: "" })).toEqual({ host: "127.0.0.1", port: 9464, explicit: false });
    expect(ops({ AGENT_OPS_PORT: "off" })).toBeUndefined();
    expect(ops({ AGENT_OPS_PORT: "OFF", AGENT_OPS_HOST: "not a host" })).toBeUndefined();
    expect(ops({ AGENT_OPS_HOST: "0.0.0.0" })).toEqual({ host: "0.0.0.0", port: 9464, explicit: false });
    expect(ops({ AGENT_OPS_HOST: "::1" })).toMatchObject({ host: "::1" });
    expect(ops({ AGENT_OPS_HOST: "agent-7.internal" })).toMatchObject({ host: "agent-7.internal" });
    expect(ops({ AGENT_OPS_HOST: "jobplane_agent_1" })).toMatchObject({ host: "jobplane_agent_1" });
    expect(ops({ AGENT_OPS_HOST: "  " })).toMatchObject({ host: "127.0.0.1" });
  });

  it("rejects a bad AGENT_OPS_PORT or AGENT_OPS_HOST, naming it", () => {
    const read = (env: Record<string, string>) => () => readAgentConfig([], { ...ENV, ...env }, KNOWN);
    expect(read({ AGENT_OPS_PORT: "65536" })).toThrow('AGENT_OPS_PORT must be a port from 0 to 65535 (0 = any free port) or "off", got "65536"');
    for (const bad of ["-1", "80.5", "0x50", "1e3", "http", "on", "9464/tcp"]) {
      expect(read({ AGENT_OPS_PORT: bad }), bad).toThrow(/AGENT_OPS_PORT/);
    }
    for (const bad of ["http://127.0.0.1", "127.0.0.1:9464", "a b", "-agent", "agent..local"]) {
      expect(read({ AGENT_OPS_HOST: bad }), bad).toThrow(`AGENT_OPS_HOST must be an IP address or a host name, got "${bad}"`);
    }
  });

  it("names an unknown type in --types and lists the known ones", () => {
    expect(() => readAgentConfig(["--types", "test.echo,transcode"], ENV, KNOWN)).toThrow(
      'unknown job type "transcode" in --types; this agent serves: test.echo, test.fail, test.sleep',
    );
    expect(() => readAgentConfig(["--types", ","], ENV, KNOWN)).toThrow(/names no job type/);
  });

  it("requires AGENT_TOKEN", () => {
    expect(() => readAgentConfig([], {}, KNOWN)).toThrow(/AGENT_TOKEN is required/);
    expect(() => readAgentConfig([], { AGENT_TOKEN: "  " }, KNOWN)).toThrow(/AGENT_TOKEN is required/);
  });

  it("rejects bad values with the setting's name", () => {
    expect(() => readAgentConfig(["--slots", "0"], ENV, KNOWN)).toThrow('--slots must be an integer from 1 to 1024, got "0"');
    expect(() => readAgentConfig(["--slots", "two"], ENV, KNOWN)).toThrow(/--slots/);
    expect(() => readAgentConfig([], { ...ENV, JOBPLANE_AGENT_GRACE_MS: "-1" }, KNOWN)).toThrow(/JOBPLANE_AGENT_GRACE_MS/);
    expect(() => readAgentConfig(["--labels", "=x"], ENV, KNOWN)).toThrow(/not key=value/);
    expect(() => readAgentConfig(["--labels", "novalue"], ENV, KNOWN)).toThrow(/not key=value/);
    expect(() => readAgentConfig([], { ...ENV, CONTROL_PLANE_URL: "grpc://x" }, KNOWN)).toThrow(/http:\/\/ or https:\/\//);
    expect(() => readAgentConfig([], { ...ENV, JOBPLANE_NATS_PREFIX: "a.b" }, KNOWN)).toThrow(/JOBPLANE_NATS_PREFIX/);
    expect(() => readAgentConfig(["--bogus"], ENV, KNOWN)).toThrow(/Unknown option '--bogus'/);
    expect(() => readAgentConfig(["extra"], ENV, KNOWN)).toThrow(/usage: jobplane agent/);
  });
});
