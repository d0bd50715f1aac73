/**
 * GET /jobs?status=&type=&limit=&cursor=&createdAfter=&createdBefore= →
 * the ListJobsRequest fields. status is a comma-separated list of lowercase
 * statuses; createdAfter/createdBefore are unix milliseconds; limit is 1–100
 * (default 50). Pure.
 */
import { timestampFromMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { validationError } from "../errors/rest-error.js";
import { LISTABLE_STATUSES, STATUS_NAMES, type RestStatus } from "./job-json.js";
import { QueryReader } from "./query-params.js";

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 100;
/** 9999-12-31: larger millisecond values are not dates anyone means. */
const MAX_MS = 253_402_300_799_999;

export interface ListJobsFields {
  statuses: JobStatus[];
  type: string;
  createdAfter: Timestamp | undefined;
  createdBefore: Timestamp | undefined;
  limit: number;
  cursor: string;
}

const STATUS_BY_NAME = new Map(
  (Object.entries(STATUS_NAMES) as [string, RestStatus][]).map(([value, name]) => [name, Number(value) as JobStatus]),
);

/** Reads the query; throws a VALIDATION_ERROR listing every bad parameter. */
export function parseListJobsQuery(query: URLSearchParams): ListJobsFields {
  const q = new QueryReader(query);
  const statuses = q.list("status", LISTABLE_STATUSES) ?? [];
  const type = q.string("type", 255) ?? "";
  const limit = q.integer("limit", 1, MAX_PAGE_LIMIT) ?? DEFAULT_PAGE_LIMIT;
  const cursor = q.string("cursor") ?? "";
  const after = q.integer("createdAfter", 0, MAX_MS);
  const before = q.integer("createdBefore", 0, MAX_MS);
  if (q.violations.length > 0) throw validationError(q.violations);
  return {
    statuses: statuses.map((s) => STATUS_BY_NAME.get(s)!),
    type,
    createdAfter: after === undefined ? undefined : timestampFromMs(after),
    createdBefore: before === undefined ? undefined : timestampFromMs(before),
    limit,
    cursor,
  };
}
