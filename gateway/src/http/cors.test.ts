import { describe, expect, it } from "vitest";
import { corsPreflightHeaders, corsResponseHeaders, isPreflight, parseCorsOrigins, parseOrigin, type CorsPolicy } from "./cors.js";

const off: CorsPolicy = { kind: "off" };
const any: CorsPolicy = { kind: "any" };
const list = parseCorsOrigins("https://dash.example.com,http://localhost:5173");
const DASH = "https://dash.example.com";

describe("parseOrigin / parseCorsOrigins", () => {
  it("normalises origins the way browsers send them", () => {
    expect(parseOrigin("https://Dash.Example.com")).toBe("https://dash.example.com");
    expect(parseOrigin("https://dash.example.com:443")).toBe("https://dash.example.com");
    expect(parseOrigin("http://127.0.0.1:8081")).toBe("http://127.0.0.1:8081");
    expect(parseOrigin("http://[::1]:3000")).toBe("http://[::1]:3000");
  });

  it.each(["dash.example.com", "https://dash.example.com/", "https://dash.example.com/app", "https://dash.example.com?x=1", "https://u:p@dash.example.com", "ftp://dash.example.com", "https://", "null", "https://dash.example.com:99999"])(
    "refuses %s",
    (raw) => {
      expect(() => parseOrigin(raw)).toThrow(/is not an origin/);
    },
  );

  it("reads off, any and a list", () => {
    expect(parseCorsOrigins(undefined)).toEqual(off);
    expect(parseCorsOrigins(" , ")).toEqual(off);
    expect(parseCorsOrigins(" * ")).toEqual(any);
    expect(list).toEqual({ kind: "list", origins: new Set([DASH, "http://localhost:5173"]) });
    expect(() => parseCorsOrigins("*, https://a.example")).toThrow(/cannot be combined/);
  });
});

describe("corsResponseHeaders", () => {
  it("adds nothing when CORS is off", () => {
    expect(corsResponseHeaders(off, DASH)).toEqual({});
  });

  it("allows every origin with * (no Vary: the answer does not depend on it)", () => {
    const h = { "access-control-allow-origin": "*", "access-control-expose-headers": "X-Request-Id, Retry-After" };
    expect(corsResponseHeaders(any, "https://anything.example")).toEqual(h);
    expect(corsResponseHeaders(any, undefined)).toEqual(h);
  });

  it("echoes a listed origin, and varies on Origin whether it is listed or not", () => {
    expect(corsResponseHeaders(list, DASH)).toEqual({
      vary: "Origin",
      "access-control-allow-origin": DASH,
      "access-control-expose-headers": "X-Request-Id, Retry-After",
    });
    expect(corsResponseHeaders(list, "https://evil.example")).toEqual({ vary: "Origin" });
    expect(corsResponseHeaders(list, "https://dash.example.com.evil.example")).toEqual({ vary: "Origin" });
    expect(corsResponseHeaders(list, undefined)).toEqual({ vary: "Origin" });
  });
});

describe("preflight", () => {
  it("is an OPTIONS with Origin and Access-Control-Request-Method, only with CORS on", () => {
    expect(isPreflight(list, "OPTIONS", DASH, "POST")).toBe(true);
    expect(isPreflight(any, "OPTIONS", "https://x.example", "GET")).toBe(true);
    expect(isPreflight(off, "OPTIONS", DASH, "POST")).toBe(false);
    expect(isPreflight(list, "OPTIONS", DASH, undefined)).toBe(false);
    expect(isPreflight(list, "OPTIONS", undefined, "POST")).toBe(false);
    expect(isPreflight(list, "GET", DASH, "POST")).toBe(false);
  });

  it("answers an allowed origin with the route's methods, the headers the gateway reads and a max age", () => {
    expect(corsPreflightHeaders(list, DASH, ["POST", "GET"])).toEqual({
      vary: "Origin",
      "access-control-allow-origin": DASH,
      "access-control-allow-methods": "POST, GET",
      "access-control-allow-headers": "Authorization, Content-Type, Last-Event-ID, X-Request-Id",
      "access-control-max-age": "600",
    });
    expect(corsPreflightHeaders(any, "https://x.example", ["DELETE"])).toMatchObject({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "DELETE",
    });
    expect(corsPreflightHeaders(any, "https://x.example", ["GET"])).not.toHaveProperty("vary");
  });

  it("gives an origin not on the list no CORS header at all (the browser then refuses)", () => {
    expect(corsPreflightHeaders(list, "https://evil.example", ["GET"])).toEqual({ vary: "Origin" });
    expect(corsPreflightHeaders(off, DASH, ["GET"])).toEqual({});
  });
});
