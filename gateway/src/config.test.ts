import { describe, expect, it } from "vitest";
import { readGatewayConfig } from "./config.js";

describe("readGatewayConfig", () => {
  it("has defaults for everything", () => {
    expect(readGatewayConfig({})).toEqual({
      port: 8080,
      host: "0.0.0.0",
      controlPlaneUrl: "http://127.0.0.1:7070",
      logLevel: "info",
      maxBodyBytes: 1048576,
      shutdownGraceMs: 10000,
      streamMaxBufferedBytes: 1048576,
      wsPingIntervalMs: 30000,
      wsAuthTimeoutMs: 10000,
      sseKeepaliveMs: 15000,
    });
  });

  it("reads the environment", () => {
    const c = readGatewayConfig({ GATEWAY_PORT: "0", GATEWAY_HOST: "127.0.0.1", CONTROL_PLANE_URL: "http://cp:7070/", LOG_LEVEL: "debug" });
    expect([c.port, c.host, c.controlPlaneUrl, c.logLevel]).toEqual([0, "127.0.0.1", "http://cp:7070", "debug"]);
  });

  it("refuses bad values with the variable's name", () => {
    expect(() => readGatewayConfig({ GATEWAY_PORT: "eighty" })).toThrow(/GATEWAY_PORT/);
    expect(() => readGatewayConfig({ GATEWAY_PORT: "70000" })).toThrow(/between 0 and 65535/);
    expect(() => readGatewayConfig({ CONTROL_PLANE_URL: "nats://x" })).toThrow(/CONTROL_PLANE_URL/);
  });
});
