/**
 * Redrive: give dead-lettered dispatches another go. For each message in
 * JOBPLANE_DLQ (optionally one type's subject, optionally only some jobs):
 *   - the job is FAILED DISPATCH_EXHAUSTED on the message's attempt → a
 *     manual retry (WAITING, attempt + 1, a new hold); the dispatcher
 *     publishes the new attempt (`<jobId>:<attempt+1>`), and the dead letter
 *     is deleted;
 *   - the job moved on (retried by its user, or gone) → the dead letter is
 *     stale and deleted;
 *   - the retry failed (e.g. INSUFFICIENT_CREDITS) → the dead letter stays, and
 *     the failure is reported.
 * The DLQ is scanned with direct gets (STREAM.MSG.GET next_by_subj), so no
 * consumer is created and a scan that stops half-way leaves nothing behind.
 * Meant for an admin RPC; safe to run concurrently with itself (the retry is
 * guarded: one caller wins, the other sees the dead letter as stale).
 */
import { fromBinary } from "@bufbuild/protobuf";
import { JetStreamApiError, type JetStreamManager, type MsgRequest } from "@nats-io/jetstream";
import { DispatchMessageSchema } from "../../../../proto/gen/jobplane/v1/dispatch_pb.js";
import type { NatsNames } from "../../../../proto/nats/names.js";
import { redriveJob, type DeadLetterJobsDeps } from "../../app/dead-letter-jobs.js";
import { DomainError } from "../../domain/domain-error.js";

export interface RedriveFilter {
  /** Only this job type's dead letters. */
  readonly type?: string;
  /** Only these jobs' dead letters. */
  readonly jobIds?: readonly string[];
  /** Stop after this many dead letters were looked at (default: all). */
  readonly limit?: number;
}

export interface RedriveResult {
  /** Jobs put back to WAITING on their next attempt. */
  readonly redriven: { readonly jobId: string; readonly attempt: number }[];
  /** Dead letters deleted because their job had moved on. */
  readonly stale: { readonly jobId: string; readonly reason: string }[];
  /** Dead letters kept because the retry was refused. */
  readonly failed: { readonly jobId: string; readonly code?: number; readonly message: string }[];
}

export interface RedriveDeps extends DeadLetterJobsDeps {
  readonly jsm: JetStreamManager;
  readonly names: NatsNames;
}

export async function redriveDeadLetters(deps: RedriveDeps, filter: RedriveFilter = {}): Promise<RedriveResult> {
  const { jsm, names } = deps;
  const subject = filter.type ? names.dlqSubject(filter.type) : names.dlqSubjects;
  const only = filter.jobIds ? new Set(filter.jobIds) : undefined;
  const result: RedriveResult = { redriven: [], stale: [], failed: [] };
  let looked = 0;
  for (let seq = 1; filter.limit === undefined || looked < filter.limit; ) {
    // next_by_subj is served by NATS 2.9's STREAM.MSG.GET; nats.js types only list seq / last_by_subj.
    const stored = await jsm.streams.getMessage(names.dlqStream, { seq, next_by_subj: subject } as unknown as MsgRequest);
    if (stored === null) break;
    seq = stored.seq + 1;
    let dispatch;
    try {
      dispatch = fromBinary(DispatchMessageSchema, stored.data);
    } catch {
      continue;
    }
    if (only && !only.has(dispatch.jobId)) continue;
    looked += 1;
    const ref = { jobId: dispatch.jobId, attempt: dispatch.attempt };
    try {
      const outcome = await redriveJob(deps, ref);
      if (outcome.kind === "redriven") result.redriven.push({ jobId: ref.jobId, attempt: outcome.job.attempt });
      else result.stale.push({ jobId: ref.jobId, reason: outcome.reason });
    } catch (err) {
      result.failed.push({
        jobId: ref.jobId,
        code: err instanceof DomainError ? err.code : undefined,
        message: err instanceof Error ? err.message : String(err),
      });
      continue;
    }
    try {
      await jsm.streams.deleteMessage(names.dlqStream, stored.seq, false);
    } catch (err) {
      if (!(err instanceof JetStreamApiError)) throw err;
    }
  }
  return result;
}
