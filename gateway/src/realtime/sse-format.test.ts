import { describe, expect, it } from "vitest";
import { formatSseComment, formatSseEvent, parseLastEventId } from "./sse-format.js";

describe("formatSseEvent", () => {
  it("writes event, id and JSON data, ended by a blank line", () => {
    expect(formatSseEvent({ event: "job.progress", id: "42", data: { a: "x\ny" } })).toBe(
      'event: job.progress\nid: 42\ndata: {"a":"x\\ny"}\n\n',
    );
  });

  it("omits id when there is none and strips newlines from fields", () => {
    expect(formatSseEvent({ event: "job.snap\nshot", data: 1 })).toBe("event: job.snapshot\ndata: 1\n\n");
    expect(formatSseComment("keep\nalive")).toBe(": keepalive\n\n");
  });
});

describe("parseLastEventId", () => {
  it("reads sequences and rejects anything else", () => {
    expect(parseLastEventId(undefined)).toBeUndefined();
    expect(parseLastEventId(" ")).toBeUndefined();
    expect(parseLastEventId("17")).toBe(17n);
    expect(parseLastEventId(["5"])).toBe(5n);
    expect(parseLastEventId("-1")).toBeNull();
    expect(parseLastEventId("abc")).toBeNull();
    expect(parseLastEventId("9".repeat(30))).toBeNull();
  });
});
