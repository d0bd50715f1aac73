import { describe, expect, it } from "vitest";
import { LogTail, tailBytes } from "./log-tail.js";

describe("LogTail", () => {
  it("keeps whole recent lines within the byte limit", () => {
    const tail = new LogTail(20);
    for (const line of ["one", "two", "three", "four", "five"]) tail.push(line);
    expect(tail.text()).toBe("two\nthree\nfour\nfive");
    tail.push("sixsixsix");
    expect(Buffer.byteLength(tail.text())).toBeLessThanOrEqual(20);
    expect(tail.text()).toBe("four\nfive\nsixsixsix");
  });

  it("splits multi-line chunks and keeps the end of one huge line", () => {
    const tail = new LogTail(8);
    tail.push("a\nb\n");
    expect(tail.text()).toBe("a\nb");
    tail.push("x".repeat(100) + "END");
    expect(tail.text()).toBe("xxxxxEND");
  });

  it("never splits a UTF-8 character", () => {
    expect(tailBytes("ééé", 3)).toBe("é");
    expect(tailBytes("abc", 10)).toBe("abc");
  });
});
