import { describe, expect, it } from "vitest";
import { type IdPrefix, isJobId, newId, newJobId } from "./ids.js";

describe("newJobId", () => {
  it("is job_ + 24 lowercase hex and passes isJobId", () => {
    const id = newJobId();
    expect(id).toMatch(/^job_[0-9a-f]{24}$/);
    expect(isJobId(id)).toBe(true);
  });

  it("does not repeat", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newJobId()));
    expect(ids.size).toBe(1000);
  });
});

describe("isJobId", () => {
  it("accepts job_ + 16 or more lowercase hex", () => {
    expect(isJobId("job_0123456789abcdef")).toBe(true);
    expect(isJobId(`job_${"a".repeat(40)}`)).toBe(true);
  });

  it("rejects everything else", () => {
    for (const text of [
      "",
      "job_",
      "job_0123456789abcde", // 15 hex
      "job_0123456789ABCDEF",
      "job_0123456789abcdeg",
      "JOB_0123456789abcdef",
      "org_0123456789abcdef",
      " job_0123456789abcdef",
      "job_0123456789abcdef\n",
      "job-0123456789abcdef",
    ]) {
      expect(isJobId(text), JSON.stringify(text)).toBe(false);
    }
  });
});

describe("newId", () => {
  it("prefixes each resource kind", () => {
    const prefixes: IdPrefix[] = ["org", "key", "agt", "evt", "whe", "whd", "job"];
    for (const prefix of prefixes) {
      expect(newId(prefix)).toMatch(new RegExp(`^${prefix}_[0-9a-f]{24}$`));
    }
  });
});
