import { describe, expect, it } from "vitest";
import {
  authorizationFromProtocols,
  closeReason,
  offeredProtocols,
  parseAfterParam,
  parseClientMessage,
  selectProtocol,
} from "./ws-protocol.js";

describe("parseClientMessage", () => {
  it("reads auth, resume and ping", () => {
    expect(parseClientMessage('{"type":"auth","apiKey":"jp_live_x"}')).toEqual({ ok: true, message: { type: "auth", apiKey: "jp_live_x" } });
    expect(parseClientMessage('{"type":"resume","afterSequence":12}')).toEqual({ ok: true, message: { type: "resume", afterSequence: 12n } });
    expect(parseClientMessage('{"type":"resume","afterSequence":"12"}')).toMatchObject({ ok: true });
    expect(parseClientMessage('{"type":"ping"}')).toEqual({ ok: true, message: { type: "ping" } });
  });

  it.each([
    ["not json", /JSON/],
    ["[1]", /objects/],
    ['{"type":"auth"}', /apiKey/],
    ['{"type":"resume","afterSequence":-1}', /afterSequence/],
    ['{"type":"resume","afterSequence":1.5}', /afterSequence/],
    ['{"type":"subscribe"}', /unknown message type "subscribe"/],
  ])("refuses %s", (text, problem) => {
    const parsed = parseClientMessage(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });
});

describe("subprotocol credentials", () => {
  it("finds the key and selects jobplane.v1 when offered", () => {
    const offered = offeredProtocols("jobplane.v1, jobplane.bearer.jp_live_abc");
    expect(authorizationFromProtocols(offered)).toBe("Bearer jp_live_abc");
    expect(selectProtocol(new Set(offered))).toBe("jobplane.v1");
  });

  it("selects the bearer protocol when it is the only offer, and none without offers", () => {
    expect(selectProtocol(new Set(["jobplane.bearer.k"]))).toBe("jobplane.bearer.k");
    expect(selectProtocol(new Set(["chat"]))).toBe(false);
    expect(authorizationFromProtocols(offeredProtocols(undefined))).toBeUndefined();
    expect(authorizationFromProtocols(["jobplane.bearer."])).toBeUndefined();
  });
});

describe("parseAfterParam", () => {
  it("reads ?after", () => {
    expect(parseAfterParam(new URLSearchParams(""))).toBeUndefined();
    expect(parseAfterParam(new URLSearchParams("after=7"))).toBe(7n);
    expect(parseAfterParam(new URLSearchParams("after=x"))).toBeNull();
  });
});

describe("closeReason", () => {
  it("keeps reasons within 123 bytes", () => {
    expect(closeReason("short")).toBe("short");
    const long = closeReason("é".repeat(100));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(123);
    expect(long.endsWith("...")).toBe(true);
  });
});
