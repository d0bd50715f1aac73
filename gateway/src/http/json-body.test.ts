import { describe, expect, it } from "vitest";
import { RestError } from "../errors/rest-error.js";
import { hasBody, isJsonContentType, parseJson } from "./json-body.js";

describe("isJsonContentType", () => {
  it.each([
    ["application/json", true],
    ["application/json; charset=utf-8", true],
    ["Application/JSON; charset=UTF-8", true],
    ['application/json; charset="utf-8"', true],
    ["application/merge-patch+json", true],
    ["application/json; charset=latin1", false],
    ["text/plain", false],
    ["application/x-www-form-urlencoded", false],
    ["", false],
    [undefined, false],
  ])("%s → %s", (header, expected) => {
    expect(isJsonContentType(header)).toBe(expected);
  });
});

describe("hasBody", () => {
  it("reads Content-Length and Transfer-Encoding", () => {
    expect(hasBody({ headers: {} })).toBe(false);
    expect(hasBody({ headers: { "content-length": "0" } })).toBe(false);
    expect(hasBody({ headers: { "content-length": "2" } })).toBe(true);
    expect(hasBody({ headers: { "transfer-encoding": "chunked" } })).toBe(true);
  });
});

describe("parseJson", () => {
  it("parses JSON", () => {
    expect(parseJson(Buffer.from('{"a":[1,"é"]}'))).toEqual({ a: [1, "é"] });
  });

  it("turns malformed JSON and invalid UTF-8 into VALIDATION_ERROR at /", () => {
    for (const bytes of [Buffer.from("{nope"), Buffer.from([0x7b, 0xff, 0x7d])]) {
      let caught: unknown;
      try {
        parseJson(bytes);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(RestError);
      expect((caught as RestError).status).toBe(400);
      expect((caught as RestError).details.violations?.[0]?.path).toBe("/");
    }
  });
});
