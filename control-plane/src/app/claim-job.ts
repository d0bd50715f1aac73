/**
 * Claim: an agent asks to run attempt N of a job it pulled from JetStream.
 * The guarded DISPATCHED → RUNNING transition accepts exactly one claimer;
 * every other gets CONFLICT and term()s its message.
 *
 * Fast path: one guarded statement claims a DISPATCHED job of a type the
 * agent serves; only when it finds nothing to claim does the claim read the
 * job to say why (NOT_FOUND, FORBIDDEN, CONFLICT) or handle this race:
 *
 * The WAITING race: the dispatcher marks a job DISPATCHED only after
 * JetStream acked the publish, and the ack can lose the race with a fast
 * agent. A claim that finds the job still WAITING on the same attempt first
 * applies `published` itself (guarded as well, so at most one of the
 * dispatcher and the claimers records it), then claims.
 */
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { ApplyEventResult, JobStore } from "../adapters/postgres/job-store.js";
import { statusName } from "../domain/job-status.js";
import type { AfterCommit } from "./after-commit.js";
import type { AgentRecord } from "./agent-store.js";
import { isConflict, rejected, rejectionOf, type AttemptOutcome, type AttemptRef } from "./attempt-outcome.js";
import type { Clock } from "./clock.js";
import type { JobTypeTermsLookup } from "./job-type-terms.js";

export interface ClaimJobDeps {
  readonly jobs: JobStore;
  readonly jobTypes: JobTypeTermsLookup;
  readonly afterCommit: AfterCommit;
  readonly clock: Clock;
}

/** On acceptance the job is RUNNING on `agent`, with its deadline set. */
export async function claimJob(deps: ClaimJobDeps, agent: AgentRecord, ref: AttemptRef): Promise<AttemptOutcome> {
  // The common case in one guarded statement: DISPATCHED on this attempt, of
  // a type the agent serves; the deadline is the claim time (our clock) plus
  // the type's max execution time, as below. Anything else — the WAITING
  // race, a lost race, a refusal to explain — takes the path that reads first.
  let claimed: ApplyEventResult;
  try {
    claimed = await deps.jobs.applyEvent(
      ref.jobId,
      { status: JobStatus.DISPATCHED, attempt: ref.attempt, types: agent.jobTypes },
      { kind: "claimed", agentId: agent.id },
      { claimedAt: deps.clock() },
    );
  } catch (err) {
    rejectionOf(err); // rethrows anything but CONFLICT / NOT_FOUND
    return claimAfterReading(deps, agent, ref);
  }
  await deps.afterCommit.run(claimed.job, claimed.effects);
  return { accepted: true, job: claimed.job };
}

/** The claim that reads the job first: explains refusals and records a publish the dispatcher has not yet. */
async function claimAfterReading(deps: ClaimJobDeps, agent: AgentRecord, ref: AttemptRef): Promise<AttemptOutcome> {
  const job = await deps.jobs.getJob(ref.jobId);
  if (job === undefined) return rejected(ErrorCode.NOT_FOUND, `job ${ref.jobId} not found`);
  if (!agent.jobTypes.includes(job.type)) {
    return rejected(ErrorCode.FORBIDDEN, `agent ${agent.id} does not serve job type "${job.type}"`);
  }
  const claimable = job.status === JobStatus.WAITING || job.status === JobStatus.DISPATCHED;
  if (job.attempt !== ref.attempt || !claimable) {
    return rejected(
      ErrorCode.CONFLICT,
      `job ${job.id} is ${statusName(job.status)} on attempt ${job.attempt}: attempt ${ref.attempt} cannot be claimed`,
    );
  }
  const terms = await deps.jobTypes.get(job.type);
  if (terms === undefined) return rejected(ErrorCode.NOT_FOUND, `job type "${job.type}" not found`);

  const expected = { status: JobStatus.DISPATCHED, attempt: ref.attempt };
  try {
    if (job.status === JobStatus.WAITING) {
      try {
        const published = await deps.jobs.applyEvent(ref.jobId, { status: JobStatus.WAITING, attempt: ref.attempt }, {
          kind: "published",
        });
        await deps.afterCommit.run(published.job, published.effects);
      } catch (err) {
        // The dispatcher (or another claimer) recorded the publish first: claim as usual.
        if (!isConflict(err)) throw err;
      }
    }
    const deadlineAt = new Date(deps.clock().getTime() + terms.maxExecutionSeconds * 1000);
    const claimed = await deps.jobs.applyEvent(ref.jobId, expected, { kind: "claimed", agentId: agent.id }, { deadlineAt });
    await deps.afterCommit.run(claimed.job, claimed.effects);
    return { accepted: true, job: claimed.job };
  } catch (err) {
    return rejectionOf(err);
  }
}
