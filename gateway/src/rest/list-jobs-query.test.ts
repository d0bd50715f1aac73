import { timestampMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { RestError } from "../errors/rest-error.js";
import { parseListJobsQuery } from "./list-jobs-query.js";

const parse = (q: string) => parseListJobsQuery(new URLSearchParams(q));

function violations(q: string): string[] {
  try {
    parse(q);
  } catch (err) {
    return (err as RestError).details.violations!.map((v) => `${v.path}: ${v.description}`);
  }
  return [];
}

describe("parseListJobsQuery", () => {
  it("defaults to every status, 50 per page, no bounds", () => {
    expect(parse("")).toEqual({ statuses: [], type: "", createdAfter: undefined, createdBefore: undefined, limit: 50, cursor: "" });
  });

  it("reads comma-separated statuses, type, limit, cursor and unix-ms bounds", () => {
    const q = parse("status=waiting,%20running&type=test.echo&limit=100&cursor=abc&createdAfter=1000&createdBefore=2000");
    expect(q.statuses).toEqual([JobStatus.WAITING, JobStatus.RUNNING]);
    expect([q.type, q.limit, q.cursor]).toEqual(["test.echo", 100, "abc"]);
    expect(timestampMs(q.createdAfter!)).toBe(1000);
    expect(timestampMs(q.createdBefore!)).toBe(2000);
  });

  it("reports every bad parameter at once", () => {
    expect(violations("status=WAITING,done&limit=0&createdBefore=-5&createdAfter=1.5")).toEqual([
      "/query/status: unknown value(s) WAITING, done; allowed: waiting, dispatched, running, complete, failed, cancelled",
      "/query/limit: must be between 1 and 100",
      "/query/createdAfter: must be a whole number",
      "/query/createdBefore: must be between 0 and 253402300799999",
    ]);
    expect(violations("limit=101")).toEqual(["/query/limit: must be between 1 and 100"]);
  });
});
