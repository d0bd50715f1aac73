import { describe, expect, it } from "vitest";
import { checkSubmitRequest, type SubmitRequestFields } from "./submit-request-rules.js";

const ok: SubmitRequestFields = {
  type: "transcode",
  priority: 0,
  idempotencyKey: "",
  inputs: [{ name: "source", url: "https://example.com/a.mp4", sizeBytes: 10, contentType: "video/mp4" }],
};

describe("checkSubmitRequest", () => {
  it("accepts a well-formed request", () => {
    expect(checkSubmitRequest(ok)).toEqual([]);
    expect(checkSubmitRequest({ ...ok, priority: -100, idempotencyKey: "k".repeat(255) })).toEqual([]);
    expect(checkSubmitRequest({ ...ok, priority: 100, inputs: [] })).toEqual([]);
  });

  it("requires a type", () => {
    expect(checkSubmitRequest({ ...ok, type: "" })).toEqual([{ path: "/type", description: "is required" }]);
  });

  it("bounds priority to -100..100", () => {
    for (const priority of [-101, 101, 1.5]) {
      expect(checkSubmitRequest({ ...ok, priority })).toEqual([
        { path: "/priority", description: "must be a whole number from -100 to 100" },
      ]);
    }
  });

  it("bounds the idempotency key to 255 characters (code points)", () => {
    expect(checkSubmitRequest({ ...ok, idempotencyKey: "é".repeat(255) })).toEqual([]);
    expect(checkSubmitRequest({ ...ok, idempotencyKey: "k".repeat(256) })).toEqual([
      { path: "/idempotencyKey", description: "must be at most 255 characters" },
    ]);
  });

  it("wants inputs with unique non-empty names, http(s) URLs and whole sizes", () => {
    const input = { name: "a", url: "http://h/x", sizeBytes: 1, contentType: "" };
    const violations = checkSubmitRequest({
      ...ok,
      inputs: [
        input,
        { ...input, name: "" },
        { ...input, url: "ftp://h/x" },
        { ...input, name: "b", url: "not a url", sizeBytes: -1 },
        { ...input, name: "c", url: "" },
        { ...input, name: "d", sizeBytes: 0.5 },
      ],
    });
    expect(violations).toEqual([
      { path: "/inputs/1/name", description: "is required" },
      { path: "/inputs/2/name", description: 'duplicates /inputs/0/name "a"' },
      { path: "/inputs/2/url", description: "must be an http or https URL" },
      { path: "/inputs/3/url", description: "must be an http or https URL" },
      { path: "/inputs/3/sizeBytes", description: "must be a non-negative whole number of bytes" },
      { path: "/inputs/4/url", description: "is required" },
      { path: "/inputs/5/sizeBytes", description: "must be a non-negative whole number of bytes" },
    ]);
  });

  it("reports every broken rule at once", () => {
    expect(checkSubmitRequest({ type: "", priority: 500, idempotencyKey: "x".repeat(300), inputs: [] })).toHaveLength(3);
  });
});
