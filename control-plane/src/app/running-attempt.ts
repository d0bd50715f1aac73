/**
 * The check a result must pass before it is priced and applied: the attempt
 * exists, is RUNNING, and runs on the reporting agent. The guarded
 * transition that follows re-checks status and attempt atomically; the agent
 * cannot change without the attempt changing (only a retry reassigns a job),
 * so the guard covers ownership too.
 */
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";
import type { JobStore } from "../adapters/postgres/job-store.js";
import { statusName } from "../domain/job-status.js";
import { rejected, type AttemptRef, type Rejected } from "./attempt-outcome.js";

export async function loadRunningAttempt(
  jobs: JobStore,
  agentId: string,
  ref: AttemptRef,
): Promise<JobRecord | Rejected> {
  const job = await jobs.getJob(ref.jobId);
  if (job === undefined) return rejected(ErrorCode.NOT_FOUND, `job ${ref.jobId} not found`);
  if (job.attempt !== ref.attempt || job.status !== JobStatus.RUNNING) {
    return rejected(
      ErrorCode.CONFLICT,
      `job ${job.id} is ${statusName(job.status)} on attempt ${job.attempt}: ` +
        `a result for attempt ${ref.attempt} is late and changes nothing`,
    );
  }
  if (job.agentId !== agentId) {
    return rejected(ErrorCode.CONFLICT, `attempt ${ref.attempt} of job ${job.id} runs on another agent`);
  }
  return job;
}

export const isRejected = (value: JobRecord | Rejected): value is Rejected =>
  "accepted" in value && value.accepted === false;
