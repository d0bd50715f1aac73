/**
 * A gateway whose control plane cannot be reached (nothing listens on its
 * port) answers like a dependency that is down, not like a bug: 503
 * UNAVAILABLE with Retry-After and the request id on REST calls, and 503 on
 * /healthz, so load balancers and clients back off and retry. In-process
 * gateway, no NATS (no admin token: no webhook deliverer).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureLogger } from "../../../test/support/capture-logger.js";
import { readGatewayConfig } from "../config.js";
import { startGateway, type RunningGateway } from "../gateway.js";
import { openApiDocument } from "../openapi/document.js";
import { createResponseValidator } from "../openapi/response-validator.js";
import { closedPort } from "../../../test/support/closed-port.js";


const validator = createResponseValidator(structuredClone(openApiDocument));
let gateway: RunningGateway;
let log: ReturnType<typeof captureLogger>;

beforeEach(async () => {
  log = captureLogger("info");
  const config = readGatewayConfig({
    GATEWAY_PORT: "0",
    GATEWAY_HOST: "127.0.0.1",
    CONTROL_PLANE_URL: `http://127.0.0.1:${await closedPort()}`,
    GATEWAY_SHUTDOWN_GRACE_MS: "1000",
  });
  gateway = await startGateway(config, log.logger);
});

afterEach(async () => {
  await gateway.stop();
});

describe("a gateway whose control plane is unreachable", () => {
  it("answers REST calls 503 UNAVAILABLE with Retry-After and the request id, as documented", async () => {
    const res = await fetch(`${gateway.url}/jobs`, { headers: { authorization: "Bearer jp_live_whatever", "x-request-id": "req-cp-down-1" } });
    const body = await res.json();
    expect(res.status).toBe(503);
    expect(res.headers.get("x-request-id")).toBe("req-cp-down-1");
    expect(res.headers.get("retry-after")).toBe("1");
    expect(body).toEqual({ error: { code: "UNAVAILABLE", message: "the control plane is unavailable; retry later", details: { retryAfterMs: 1000 } } });
    expect(validator.check("GET", "/jobs", 503, res.headers.get("content-type"), body).problem).toBeUndefined();

    const submit = await fetch(`${gateway.url}/jobs`, {
      method: "POST",
      headers: { authorization: "Bearer jp_live_whatever", "content-type": "application/json" },
      body: JSON.stringify({ type: "test.echo" }),
    });
    expect(submit.status).toBe(503);
    expect(submit.headers.get("x-request-id")).toMatch(/.+/);
    expect(((await submit.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");

    const line = await log.waitFor("the control plane is unreachable");
    expect(line.level).toBe(40); // warn: the operator learns why, as for any upstream failure
  });

  it("reports itself unhealthy on /healthz (503)", async () => {
    const res = await fetch(`${gateway.url}/healthz`);
    const body = (await res.json()) as { status: string; checks: { controlPlane: string } };
    expect(res.status).toBe(503);
    expect(body.status).toBe("unhealthy");
    expect(body.checks.controlPlane).not.toBe("ok");
    expect(validator.check("GET", "/healthz", 503, res.headers.get("content-type"), body).problem).toBeUndefined();
  });
});
