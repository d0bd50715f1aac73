/**
 * The /jobs handlers: each maps the request to one JobService call with the
 * caller's credentials and renders the answer with the rest/*-json mappers.
 * No rules live here: the control plane decides, the gateway translates.
 */
import type { Handler } from "../http/handler.js";
import { ok } from "../http/handler.js";
import { validationError } from "../errors/rest-error.js";
import { callOptions, type ControlPlane } from "../upstream/control-plane.js";
import { jobTypeJson } from "./catalog-json.js";
import { jobEventJson, jobJson } from "./job-json.js";
import { parseListJobsQuery } from "./list-jobs-query.js";
import { QueryReader } from "./query-params.js";
import { submitJobRequest, type SubmitJobBody } from "./submit-body.js";

/** ListJobEvents' page bound. */
export const MAX_EVENTS_PAGE = 500;

export function createJobRoutes(cp: ControlPlane) {
  return {
    submitJob: (async (ctx) => {
      const body = await ctx.body<SubmitJobBody>();
      const res = await cp.jobs.submitJob(submitJobRequest(body), callOptions(ctx.forwarded));
      return ok({ data: jobJson(res.job!) }, res.deduplicated ? 200 : 201);
    }) satisfies Handler,

    listJobs: (async (ctx) => {
      const query = parseListJobsQuery(ctx.query);
      const res = await cp.jobs.listJobs(query, callOptions(ctx.forwarded));
      return ok({ data: res.jobs.map(jobJson), meta: { limit: query.limit, nextCursor: res.nextCursor || null } });
    }) satisfies Handler,

    getJob: (async (ctx) => {
      const res = await cp.jobs.getJob({ id: ctx.params.id! }, callOptions(ctx.forwarded));
      return ok({ data: jobJson(res.job!) });
    }) satisfies Handler,

    cancelJob: (async (ctx) => {
      const res = await cp.jobs.cancelJob({ id: ctx.params.id! }, callOptions(ctx.forwarded));
      return ok({ data: jobJson(res.job!) });
    }) satisfies Handler,

    retryJob: (async (ctx) => {
      const res = await cp.jobs.retryJob({ id: ctx.params.id! }, callOptions(ctx.forwarded));
      return ok({ data: jobJson(res.job!) });
    }) satisfies Handler,

    getJobLogs: (async (ctx) => {
      const q = new QueryReader(ctx.query);
      const after = q.integer("after", 0, Number.MAX_SAFE_INTEGER) ?? 0;
      const limit = q.integer("limit", 1, MAX_EVENTS_PAGE) ?? MAX_EVENTS_PAGE;
      if (q.violations.length > 0) throw validationError(q.violations);
      const res = await cp.jobs.listJobEvents(
        { id: ctx.params.id!, afterSequence: BigInt(after), limit },
        callOptions(ctx.forwarded),
      );
      const events = res.events.map(jobEventJson);
      const last = events.at(-1);
      return ok({ data: events, meta: { limit, hasMore: res.hasMore, nextAfter: res.hasMore && last ? last.sequence : null } });
    }) satisfies Handler,

    listJobTypes: (async (ctx) => {
      const res = await cp.jobs.listJobTypes({}, callOptions(ctx.forwarded));
      return ok({ data: res.jobTypes.map(jobTypeJson) });
    }) satisfies Handler,

    getJobTypeSchema: (async (ctx) => {
      const res = await cp.jobs.getJobType({ name: ctx.params.type! }, callOptions(ctx.forwarded));
      const type = jobTypeJson(res.jobType!);
      return ok({ data: { type: type.name, schema: type.paramsSchema } });
    }) satisfies Handler,
  };
}
