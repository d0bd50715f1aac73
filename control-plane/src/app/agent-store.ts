/**
 * The AgentStore port: what the agent protocol reads and writes about agents
 * (authenticated by the hash of their `jpa_` token) and about the attempts an
 * agent says it runs. Liveness is one timestamp per agent: every heartbeat of
 * the agent's session covers all of its jobs at once.
 */
import type { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";

export interface AgentRecord {
  readonly id: string;
  readonly name: string;
  /** Job types the agent serves (from its token, then from Register). */
  readonly jobTypes: readonly string[];
}

/** What an agent announces in Register. */
export interface AgentRegistration {
  readonly jobTypes: readonly string[];
  readonly slots: number;
  readonly version: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Where one job stands, for checking an agent's list of running attempts. */
export interface AttemptState {
  readonly jobId: string;
  readonly attempt: number;
  readonly status: JobStatus;
  readonly agentId: string | null;
  readonly cancelRequested: boolean;
}

export interface AgentStore {
  /** The agent whose token hashes to `tokenHash`, or undefined. */
  findByTokenHash(tokenHash: string): Promise<AgentRecord | undefined>;
  /** Records the registration and counts it as a heartbeat. */
  register(agentId: string, registration: AgentRegistration, now: Date): Promise<AgentRecord>;
  /** One cheap UPDATE of last_heartbeat_at. */
  touch(agentId: string, now: Date): Promise<void>;
  /** The current state of each of these jobs that exists. */
  attemptStates(jobIds: readonly string[]): Promise<AttemptState[]>;
}
