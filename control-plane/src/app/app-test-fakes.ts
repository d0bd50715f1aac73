/**
 * In-memory stand-ins for the ports the job use cases take, for unit tests
 * of their decisions (order of checks, retries, paging). They keep only
 * what those decisions read; the real stores are covered by the
 * integration tests against Postgres.
 */
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";
import type { Effect } from "../domain/lifecycle-event.js";
import type { AfterCommit } from "./after-commit.js";
import type { CatalogJobType } from "./job-catalog.js";
import type { Principal } from "./principal.js";

export function fakeJob(overrides: Partial<JobRecord> = {}): JobRecord {
  const at = new Date("2026-11-29T10:00:00.000Z");
  return {
    id: "job_00000000000000000000aaaa",
    orgId: "org_a",
    type: "test.sleep",
    status: JobStatus.WAITING,
    attempt: 1,
    priority: 0,
    params: {},
    inputs: [],
    progress: null,
    steps: [],
    error: null,
    output: null,
    estimatedCredits: 301,
    actualCredits: null,
    heldCredits: 301,
    testMode: false,
    idempotencyKey: null,
    apiKeyId: null,
    agentId: null,
    cancelRequested: false,
    deadlineAt: null,
    version: 1,
    createdAt: at,
    dispatchedAt: null,
    startedAt: null,
    completedAt: null,
    updatedAt: at,
    ...overrides,
  };
}

export const SLEEP_TYPE: CatalogJobType = {
  name: "test.sleep",
  description: "",
  paramsSchema: { type: "object", required: ["seconds"], properties: { seconds: { type: "number", maximum: 3600 } } },
  maxExecutionSeconds: 300,
  queueTtlSeconds: 600,
  baseCredits: 1,
  creditsPerSecond: 1,
  allowedPlans: ["free", "pro"],
  version: "v1",
};

export function fakePrincipal(overrides: Partial<Principal> = {}): Principal {
  return {
    orgId: "org_a",
    keyId: "key_a",
    scopes: new Set(["jobs:read", "jobs:write"]),
    testMode: false,
    plan: { name: "free", requestsPerMinute: 30, maxConcurrentJobs: 1, maxInputBytes: 100, maxExecutionSeconds: 300 },
    ...overrides,
  };
}

/** Records what it was asked to run after a commit. */
export function recordingAfterCommit(): AfterCommit & { readonly runs: { job: JobRecord; effects: readonly Effect[] }[] } {
  const runs: { job: JobRecord; effects: readonly Effect[] }[] = [];
  return {
    runs,
    async run(job, effects) {
      runs.push({ job, effects });
    },
  };
}
