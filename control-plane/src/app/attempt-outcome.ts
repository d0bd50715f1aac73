/**
 * What an agent's claim, progress or result led to: the job as it is now, or
 * why nothing changed. A lost race is an answer for the agent (CONFLICT, its
 * attempt is over; NOT_FOUND), not an error of the session, so the use cases
 * return it instead of throwing. Anything else still throws.
 */
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";
import { DomainError } from "../domain/domain-error.js";

/** One attempt of one job, as the agent names it. */
export interface AttemptRef {
  readonly jobId: string;
  readonly attempt: number;
}

export interface Accepted {
  readonly accepted: true;
  readonly job: JobRecord;
}

export interface Rejected {
  readonly accepted: false;
  readonly code: ErrorCode;
  readonly message: string;
}

export type AttemptOutcome = Accepted | Rejected;

export const rejected = (code: ErrorCode, message: string): Rejected => ({ accepted: false, code, message });

/** The refusal a lost guarded transition (CONFLICT, NOT_FOUND) means; other errors are rethrown. */
export function rejectionOf(err: unknown): Rejected {
  if (err instanceof DomainError && (err.code === ErrorCode.CONFLICT || err.code === ErrorCode.NOT_FOUND)) {
    return rejected(err.code, err.message);
  }
  throw err;
}

/** True for a DomainError CONFLICT. */
export const isConflict = (err: unknown): boolean => err instanceof DomainError && err.code === ErrorCode.CONFLICT;
