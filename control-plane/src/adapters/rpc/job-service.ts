/**
 * JobService over Connect: authenticate with the scope the call needs
 * (jobs:write to submit, cancel and retry; jobs:read for the rest), hand the
 * request to its use case in app/, render the result with jobToProto.
 * Errors are not caught here: the error-mapping interceptor turns
 * DomainErrors into ConnectErrors with their ErrorDetail, and anything else
 * into INTERNAL_ERROR. WatchJob / WatchJobs live in job-watch-service.ts.
 */
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { cancelJob } from "../../app/cancel-job.js";
import { getJob } from "../../app/get-job.js";
import { listJobTypes } from "../../app/job-catalog.js";
import { listJobs } from "../../app/list-jobs.js";
import { createParamsValidatorCache } from "../../app/params-validator-cache.js";
import type { Principal, Scope } from "../../app/principal.js";
import { retryJob } from "../../app/retry-job.js";
import { submitJob } from "../../app/submit-job.js";
import { notFound, validationError } from "../../domain/domain-error.js";
import { createPgJobCatalog } from "../postgres/pg-job-catalog.js";
import { createPgJobLister } from "../postgres/pg-job-lister.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";
import { listJobTimeline } from "../postgres/pg-job-timeline.js";
import { listQueryFromProto, submitCommandFromProto } from "./job-requests.js";
import { jobEventToProto, jobToProto } from "./job-to-proto.js";
import { jobTypeToProto } from "./job-type-proto.js";
import { createJobWatchHandlers } from "./job-watch-service.js";
import type { RpcDeps } from "./rpc-deps.js";

export function createJobService(deps: RpcDeps): Partial<ServiceImpl<typeof JobService>> {
  const jobs = createPgJobStore(deps.orm);
  const catalog = createPgJobCatalog(deps.orm);
  const lister = createPgJobLister(deps.orm);
  const afterCommit = deps.afterCommit;
  // One cache per service instance: compiled schemas are reused across calls.
  const validators = createParamsValidatorCache();
  const caller = (ctx: HandlerContext, scope: Scope): Promise<Principal> =>
    deps.auth.authenticate(ctx.requestHeader.get("authorization"), scope);

  return {
    async submitJob(req, ctx) {
      const principal = await caller(ctx, "jobs:write");
      const outcome = await submitJob({ jobs, catalog, validators, afterCommit }, principal, submitCommandFromProto(req));
      return { job: jobToProto(outcome.job), deduplicated: outcome.deduplicated };
    },

    async getJob(req, ctx) {
      const principal = await caller(ctx, "jobs:read");
      return { job: jobToProto(await getJob(jobs, principal.orgId, req.id)) };
    },

    async listJobs(req, ctx) {
      const principal = await caller(ctx, "jobs:read");
      const page = await listJobs(lister, principal.orgId, listQueryFromProto(req));
      return { jobs: page.jobs.map(jobToProto), nextCursor: page.nextCursor };
    },

    async cancelJob(req, ctx) {
      const principal = await caller(ctx, "jobs:write");
      return { job: jobToProto(await cancelJob({ jobs, afterCommit }, principal.orgId, req.id)) };
    },

    async retryJob(req, ctx) {
      const principal = await caller(ctx, "jobs:write");
      return { job: jobToProto(await retryJob({ jobs, catalog, afterCommit }, principal.orgId, req.id)) };
    },

    async listJobTypes(_req, ctx) {
      const principal = await caller(ctx, "jobs:read");
      const types = await listJobTypes(catalog, principal.plan.name);
      return { jobTypes: types.map(jobTypeToProto) };
    },

    async getJobType(req, ctx) {
      const principal = await caller(ctx, "jobs:read");
      // Types outside the caller's plan are as invisible as in ListJobTypes.
      const type = (await listJobTypes(catalog, principal.plan.name)).find((t) => t.name === req.name);
      if (!type) throw notFound(`job type ${req.name}`);
      return { jobType: jobTypeToProto(type) };
    },

    async listJobEvents(req, ctx) {
      const principal = await caller(ctx, "jobs:read");
      await getJob(jobs, principal.orgId, req.id);
      if (req.afterSequence < 0n) throw validationError([{ path: "/afterSequence", description: "must not be negative" }]);
      const limit = req.limit === 0 ? 100 : req.limit;
      if (limit > 500) throw validationError([{ path: "/limit", description: "must be at most 500" }]);
      const page = await listJobTimeline(deps.orm, req.id, req.afterSequence, limit);
      return { events: page.events.map(jobEventToProto), hasMore: page.hasMore };
    },

    ...createJobWatchHandlers(deps),
  };
}
