import { describe, expect, it } from "vitest";
import { requestIdFor } from "./request-id.js";

describe("requestIdFor", () => {
  const mint = () => "minted";
  it("echoes a valid incoming id", () => {
    expect(requestIdFor("abc-123_x.y:z", mint)).toBe("abc-123_x.y:z");
    expect(requestIdFor(["first", "second"], mint)).toBe("first");
  });
  it("mints one when absent or unsafe", () => {
    expect(requestIdFor(undefined, mint)).toBe("minted");
    expect(requestIdFor("", mint)).toBe("minted");
    expect(requestIdFor("has space", mint)).toBe("minted");
    expect(requestIdFor("x".repeat(129), mint)).toBe("minted");
    expect(requestIdFor("line\nbreak", mint)).toBe("minted");
  });
  it("mints UUIDs by default", () => {
    expect(requestIdFor(undefined)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
