import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { DomainError } from "./domain-error.js";
import { decodeCursor, encodeCursor, pageSize } from "./page-cursor.js";

function violationOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError && err.code === ErrorCode.VALIDATION_ERROR) return err.violations[0]?.path;
    throw err;
  }
  throw new Error("expected a VALIDATION_ERROR");
}

describe("pageSize", () => {
  it("defaults 0 to 50 and accepts 1..100", () => {
    expect(pageSize(0)).toBe(50);
    expect(pageSize(1)).toBe(1);
    expect(pageSize(100)).toBe(100);
  });

  it("refuses more than 100", () => {
    expect(violationOf(() => pageSize(101))).toBe("/limit");
  });
});

describe("cursors", () => {
  const KEY = [(s: string) => /^\d{4}-/.test(s), (s: string) => /^job_[0-9a-f]+$/.test(s)];

  it("round-trip through an opaque base64url string", () => {
    const cursor = encodeCursor(["2026-11-29T10:00:00.123456Z", "job_00ff"]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, KEY)).toEqual(["2026-11-29T10:00:00.123456Z", "job_00ff"]);
  });

  it("refuses garbage, wrong arity, wrong version and parts that do not match", () => {
    const bad = [
      "garbage!",
      "",
      Buffer.from("not json").toString("base64url"),
      Buffer.from('{"a":1}').toString("base64url"),
      Buffer.from('["v0","2026-","job_00"]').toString("base64url"),
      encodeCursor(["2026-"]),
      encodeCursor(["2026-", "job_00", "extra"]),
      encodeCursor(["yesterday", "job_00"]),
      Buffer.from('["v1","2026-",7]').toString("base64url"),
    ];
    for (const cursor of bad) expect(violationOf(() => decodeCursor(cursor, KEY)), cursor).toBe("/cursor");
  });
});
