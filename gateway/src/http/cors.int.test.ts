/**
 * CORS over real HTTP against an in-process gateway (its control plane is
 * unreachable, which also shows that error answers carry the CORS headers a
 * page needs to read them): preflights from allowed and other origins, a
 * simple GET, `*` mode, and OPTIONS with CORS off staying a 405.
 */
import { afterEach, describe, expect, it } from "vitest";
import { captureLogger } from "../../../test/support/capture-logger.js";
import { readGatewayConfig } from "../config.js";
import { startGateway, type RunningGateway } from "../gateway.js";
import { closedPort } from "../../../test/support/closed-port.js";

const DASH = "https://dash.example.com";


let gateway: RunningGateway | undefined;

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

async function start(corsOrigins: string): Promise<string> {
  const config = readGatewayConfig({
    GATEWAY_PORT: "0",
    GATEWAY_HOST: "127.0.0.1",
    CONTROL_PLANE_URL: `http://127.0.0.1:${await closedPort()}`,
    GATEWAY_SHUTDOWN_GRACE_MS: "1000",
    GATEWAY_CORS_ORIGINS: corsOrigins,
  });
  gateway = await startGateway(config, captureLogger("silent").logger);
  return gateway.url;
}

function preflight(url: string, origin: string, method = "POST"): Promise<Response> {
  return fetch(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": "authorization, content-type" },
  });
}

const cors = (res: Response) =>
  Object.fromEntries([...res.headers].filter(([name]) => name.startsWith("access-control-") || name === "vary"));

describe("CORS with a list of origins", () => {
  it("answers a preflight from a listed origin with the route's methods, the headers it reads and a max age", async () => {
    const url = await start(`${DASH}, http://localhost:5173`);
    const res = await preflight(`${url}/jobs`, DASH);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(res.headers.get("x-request-id")).toMatch(/.+/);
    expect(cors(res)).toMatchObject({
      vary: "Origin",
      "access-control-allow-origin": DASH,
      "access-control-allow-methods": "POST, GET",
      "access-control-allow-headers": "Authorization, Content-Type, Last-Event-ID, X-Request-Id",
      "access-control-max-age": "600",
    });
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toBeNull();

    const item = await preflight(`${url}/webhooks/endpoints/whe_1`, "http://localhost:5173", "DELETE");
    expect([item.status, item.headers.get("access-control-allow-methods")]).toEqual([204, "GET, PATCH, DELETE"]);
  });

  it("gives a preflight from any other origin 204 without CORS headers, and an unknown route 404", async () => {
    const url = await start(DASH);
    const denied = await preflight(`${url}/jobs`, "https://evil.example");
    expect(denied.status).toBe(204);
    expect(cors(denied)).toEqual({ vary: "Origin" });

    const nowhere = await preflight(`${url}/nope`, DASH);
    expect(nowhere.status).toBe(404);
  });

  it("puts the origin and the exposed headers on real answers, errors included", async () => {
    const url = await start(DASH);
    const doc = await fetch(`${url}/openapi.json`, { headers: { origin: DASH } });
    expect(doc.status).toBe(200);
    expect(cors(doc)).toEqual({ vary: "Origin", "access-control-allow-origin": DASH, "access-control-expose-headers": "X-Request-Id, Retry-After" });

    const down = await fetch(`${url}/jobs`, { headers: { origin: DASH, authorization: "Bearer jp_live_x" } });
    expect(down.status).toBe(503);
    expect(down.headers.get("access-control-allow-origin")).toBe(DASH);
    expect(down.headers.get("access-control-expose-headers")).toBe("X-Request-Id, Retry-After");

    const other = await fetch(`${url}/openapi.json`, { headers: { origin: "https://evil.example" } });
    expect(cors(other)).toEqual({ vary: "Origin" });
  });
});

describe("CORS with *", () => {
  it("allows any origin on preflights and answers, without Vary", async () => {
    const url = await start("*");
    const pre = await preflight(`${url}/billing/balance`, "https://anything.example", "GET");
    expect(pre.status).toBe(204);
    expect(cors(pre)).toEqual({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET",
      "access-control-allow-headers": "Authorization, Content-Type, Last-Event-ID, X-Request-Id",
      "access-control-max-age": "600",
    });
    expect(pre.headers.get("vary")).toBeNull();

    const doc = await fetch(`${url}/openapi.json`, { headers: { origin: "https://anything.example" } });
    expect(doc.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("CORS off (the default)", () => {
  it("adds no header and leaves OPTIONS a 405 with Allow, as any method a route lacks", async () => {
    const url = await start("");
    const res = await preflight(`${url}/jobs`, DASH);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST, GET");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("METHOD_NOT_ALLOWED");
    expect(cors(res)).toEqual({});

    const doc = await fetch(`${url}/openapi.json`, { headers: { origin: DASH } });
    expect(cors(doc)).toEqual({});
  });
});
