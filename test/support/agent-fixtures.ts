/**
 * Agents with real tokens, and jobs put into a given state, for AgentService
 * and sweeper tests. The agent row is inserted the way
 * AdminService.CreateAgentToken does (hash only).
 */
import { JobStatus } from "../../proto/gen/jobplane/v1/job_pb.js";
import { generateAgentToken } from "../../control-plane/src/domain/api-key-format.js";
import { newId } from "../../control-plane/src/domain/ids.js";
import { estimateCost } from "../../control-plane/src/domain/pricing.js";
import type { JobRecord } from "../../control-plane/src/adapters/postgres/job-record.js";
import type { JobStore, SubmitJobInput } from "../../control-plane/src/adapters/postgres/job-store.js";
import type { Orm } from "../../control-plane/src/adapters/postgres/orm.js";

export interface SeededAgent {
  readonly agentId: string;
  /** The `jpa_…` bearer token. */
  readonly token: string;
}

export async function seedAgentWithToken(orm: Orm, jobTypes: readonly string[]): Promise<SeededAgent> {
  const agentId = newId("agt");
  const { token, hash } = generateAgentToken();
  await orm.em
    .fork()
    .execute("insert into agents (id, name, token_hash, job_types) values (?, ?, ?, array[?]::text[])", [
      agentId,
      `agent ${agentId}`,
      hash,
      [...jobTypes],
    ]);
  return { agentId, token };
}

export interface SubmitPricedOptions extends Partial<SubmitJobInput> {
  readonly orgId: string;
  readonly type: string;
  /** The type's pricing, to hold the right estimate. */
  readonly price: { baseCredits: number; creditsPerSecond: number; maxExecutionSeconds: number };
}

/** Submits a WAITING job holding its estimate. */
export async function submitPriced(store: JobStore, options: SubmitPricedOptions): Promise<JobRecord> {
  const { price, ...input } = options;
  const estimatedCredits = estimateCost({ ...price, testMode: input.testMode ?? false });
  const { job } = await store.submitJob({ estimatedCredits, ...input });
  return job;
}

/** WAITING → DISPATCHED, as the dispatcher does on the publish ack. */
export async function markDispatched(store: JobStore, job: JobRecord): Promise<JobRecord> {
  const { job: next } = await store.applyEvent(job.id, { status: JobStatus.WAITING, attempt: job.attempt }, { kind: "published" });
  return next;
}

/** DISPATCHED → RUNNING on `agentId`, with an explicit deadline. */
export async function markRunning(store: JobStore, job: JobRecord, agentId: string, deadlineAt: Date): Promise<JobRecord> {
  const { job: next } = await store.applyEvent(
    job.id,
    { status: JobStatus.DISPATCHED, attempt: job.attempt },
    { kind: "claimed", agentId },
    { deadlineAt },
  );
  return next;
}
