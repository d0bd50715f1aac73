/**
 * WatchJob and WatchJobs: JobService's server streams over the EventFeed.
 * They add only what the RPC contract says on top of the feed — auth, the
 * org scope, where a stream starts and when it ends — so the no-gap /
 * no-duplicate guarantee lives in one place (pg-event-feed.ts).
 *
 * A stream ends (cleanly, status OK) when the client goes away (ctx.signal)
 * or the server is shutting down (deps.shutdown); the client resumes with
 * after_sequence = the last sequence it processed. WatchJob also ends after
 * the job's terminal event (complete, failed, cancelled).
 */
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { notFound, validationError } from "../../domain/domain-error.js";
import { isTerminal, parseStatusName } from "../../domain/job-status.js";
import type { StoredEvent } from "../postgres/job-store.js";
import { jobEventToProto } from "./job-to-proto.js";
import type { RpcDeps } from "./rpc-deps.js";

type WatchHandlers = Pick<ServiceImpl<typeof JobService>, "watchJob" | "watchJobs">;

function checkAfterSequence(afterSequence: bigint): void {
  if (afterSequence < 0n) {
    throw validationError([{ path: "after_sequence", description: "must not be negative" }]);
  }
}

/** Aborts when the client goes away or the server starts shutting down. */
function streamSignal(ctx: HandlerContext, shutdown: AbortSignal): AbortSignal {
  return AbortSignal.any([ctx.signal, shutdown]);
}

function endsTimeline(event: StoredEvent): boolean {
  if (event.status === null) return false;
  const status = parseStatusName(event.status);
  return status !== undefined && isTerminal(status);
}

export function createJobWatchHandlers(deps: RpcDeps): Partial<WatchHandlers> {
  return {
    /**
     * One job's timeline from after_sequence (0: from job.created), live
     * until its terminal event. An event in the middle of the replay may be
     * terminal too (failed, then retried): the stream ends only at a terminal
     * event at or after the newest one sequenced when the call began. A job
     * that is already over, with nothing left to replay, ends the stream at once.
     */
    async *watchJob(req, ctx) {
      const principal = await deps.auth.authenticate(ctx.requestHeader.get("authorization"), "jobs:read");
      checkAfterSequence(req.afterSequence);
      const head = await deps.events.jobTimelineHead(principal.orgId, req.id);
      if (head === undefined) throw notFound(`job ${req.id}`);
      if (isTerminal(head.status) && head.sequence <= req.afterSequence) return;
      const events = deps.events.subscribe({
        orgId: principal.orgId,
        jobId: req.id,
        afterSequence: req.afterSequence,
        signal: streamSignal(ctx, deps.shutdown),
      });
      for await (const event of events) {
        yield { event: jobEventToProto(event) };
        if (endsTimeline(event) && BigInt(event.sequence ?? 0) >= head.sequence) return;
      }
    },

    /**
     * The org's events, optionally only of some job types, without end.
     * after_sequence 0 means "from now on": the org's newest sequence at the
     * start of the call. Without a types filter the org's balance events
     * (balance.low, balance.depleted) come too; with one, only those jobs'.
     */
    async *watchJobs(req, ctx) {
      const principal = await deps.auth.authenticate(ctx.requestHeader.get("authorization"), "jobs:read");
      checkAfterSequence(req.afterSequence);
      const afterSequence =
        req.afterSequence === 0n ? await deps.events.currentSequence(principal.orgId) : req.afterSequence;
      const events = deps.events.subscribe({
        orgId: principal.orgId,
        jobTypes: req.types,
        afterSequence,
        signal: streamSignal(ctx, deps.shutdown),
      });
      for await (const event of events) yield { event: jobEventToProto(event) };
    },
  };
}
