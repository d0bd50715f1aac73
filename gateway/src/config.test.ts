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
      natsUrl: "nats://127.0.0.1:4222",
      natsPrefix: "",
      cors: { kind: "off" },
      webhooks: { adminToken: undefined, timeoutMs: 10000, concurrency: 16, leaseMs: 30000, pollMs: 1000, allowPrivate: false },
    });
  });

  it("reads the environment", () => {
    const c = readGatewayConfig({ GATEWAY_PORT: "0", GATEWAY_HOST: "127.0.0.1", CONTROL_PLANE_URL: "http://cp:7070/", LOG_LEVEL: "debug" });
    expect([c.port, c.host, c.controlPlaneUrl, c.logLevel]).toEqual([0, "127.0.0.1", "http://cp:7070", "debug"]);
  });

  it("reads the webhook deliverer's settings; the lease follows the timeout unless set", () => {
    const c = readGatewayConfig({
      NATS_URL: "nats://n1:4222,nats://n2:4222",
      JOBPLANE_NATS_PREFIX: "T_AB12",
      JOBPLANE_ADMIN_TOKEN: " secret-token ",
      GATEWAY_WEBHOOK_TIMEOUT_MS: "2000",
      GATEWAY_WEBHOOK_CONCURRENCY: "4",
      GATEWAY_WEBHOOK_POLL_MS: "100",
      JOBPLANE_WEBHOOK_ALLOW_PRIVATE: "1",
    });
    expect([c.natsUrl, c.natsPrefix]).toEqual(["nats://n1:4222,nats://n2:4222", "T_AB12"]);
    expect(c.webhooks).toEqual({ adminToken: "secret-token", timeoutMs: 2000, concurrency: 4, leaseMs: 22000, pollMs: 100, allowPrivate: true });
    expect(readGatewayConfig({ GATEWAY_WEBHOOK_LEASE_MS: "45000" }).webhooks.leaseMs).toBe(45000);
    expect(readGatewayConfig({ GATEWAY_WEBHOOK_TIMEOUT_MS: "300000" }).webhooks.leaseMs).toBe(320000);
  });

  it("refuses a lease that does not outlast the POST timeout", () => {
    expect(() => readGatewayConfig({ GATEWAY_WEBHOOK_TIMEOUT_MS: "10000", GATEWAY_WEBHOOK_LEASE_MS: "10000" })).toThrow(
      /GATEWAY_WEBHOOK_LEASE_MS \(10000\) must exceed GATEWAY_WEBHOOK_TIMEOUT_MS \(10000\)/,
    );
    expect(() => readGatewayConfig({ GATEWAY_WEBHOOK_TIMEOUT_MS: "600000" })).toThrow(/GATEWAY_WEBHOOK_TIMEOUT_MS/);
  });

  it("refuses bad webhook and NATS settings", () => {
    expect(() => readGatewayConfig({ JOBPLANE_WEBHOOK_ALLOW_PRIVATE: "yes" })).toThrow(/JOBPLANE_WEBHOOK_ALLOW_PRIVATE must be 0 or 1/);
    expect(() => readGatewayConfig({ GATEWAY_WEBHOOK_CONCURRENCY: "0" })).toThrow(/GATEWAY_WEBHOOK_CONCURRENCY/);
    expect(() => readGatewayConfig({ JOBPLANE_NATS_PREFIX: "a.b" })).toThrow(/NATS prefix/);
    expect(readGatewayConfig({ JOBPLANE_ADMIN_TOKEN: "  " }).webhooks.adminToken).toBeUndefined();
  });

  it("reads GATEWAY_CORS_ORIGINS: off, any origin, or a list of exact origins", () => {
    expect(readGatewayConfig({ GATEWAY_CORS_ORIGINS: " " }).cors).toEqual({ kind: "off" });
    expect(readGatewayConfig({ GATEWAY_CORS_ORIGINS: "*" }).cors).toEqual({ kind: "any" });
    expect(readGatewayConfig({ GATEWAY_CORS_ORIGINS: "https://dash.example.com, http://localhost:5173" }).cors).toEqual({
      kind: "list",
      origins: new Set(["https://dash.example.com", "http://localhost:5173"]),
    });
    expect(() => readGatewayConfig({ GATEWAY_CORS_ORIGINS: "https://dash.example.com/app" })).toThrow(/^GATEWAY_CORS_ORIGINS: "https:\/\/dash.example.com\/app" is not an origin/);
    expect(() => readGatewayConfig({ GATEWAY_CORS_ORIGINS: "*,https://a.example" })).toThrow(/GATEWAY_CORS_ORIGINS: "\*" .* cannot be combined/);
  });

  it("refuses bad values with the variable's name", () => {
    expect(() => readGatewayConfig({ GATEWAY_PORT: "eighty" })).toThrow(/GATEWAY_PORT/);
    expect(() => readGatewayConfig({ GATEWAY_PORT: "70000" })).toThrow(/between 0 and 65535/);
    expect(() => readGatewayConfig({ CONTROL_PLANE_URL: "nats://x" })).toThrow(/CONTROL_PLANE_URL/);
  });
});
