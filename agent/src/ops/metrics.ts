/**
 * The agent's Prometheus metrics, in a Registry of its own (not prom-client's
 * global one, so an embedder's or a test's registry never mixes with it):
 *
 *   default process metrics     CPU, memory, event loop lag, GC, handles
 *   jobplane_agent_slots                          gauge: --slots
 *   jobplane_agent_jobs_running                   gauge: attempts held (read at scrape time)
 *   jobplane_agent_attempts_total{type,outcome}   complete | failed | cancelled | timeout
 *   jobplane_agent_attempt_seconds{type}          histogram: claim accepted → outcome decided
 *   jobplane_agent_claims_total{result}           accepted | rejected (unanswered claims are neither)
 *
 * Counters start at 0 for every served type and outcome so rate() and
 * increase() see the first event. The buckets cover test jobs (sub-second)
 * to renders and transcodes (up to an hour); `type` is bounded by the job
 * types this agent serves.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AttemptOutcomeLabel, ClaimResult, WorkerMetrics } from "../worker-metrics.js";

export interface AgentMetrics {
  readonly registry: Registry;
  /** What the worker reports through (WorkerOptions.metrics). */
  readonly recorder: WorkerMetrics;
}

export interface AgentMetricsOptions {
  readonly slots: number;
  /** The job types served, to start their counters at 0. */
  readonly types: readonly string[];
  /** Attempts held right now (Worker.heldAttempts.length). */
  readonly running: () => number;
}

const OUTCOMES: readonly AttemptOutcomeLabel[] = ["complete", "failed", "cancelled", "timeout"];
const CLAIM_RESULTS: readonly ClaimResult[] = ["accepted", "rejected"];
const ATTEMPT_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export function createAgentMetrics(options: AgentMetricsOptions): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: "jobplane_agent_slots", help: "Jobs this agent runs at once (--slots)", registers: [registry] }).set(options.slots);
  new Gauge({
    name: "jobplane_agent_jobs_running",
    help: "Attempts this agent holds: from the accepted claim until the control plane acknowledges the result",
    registers: [registry],
    collect() {
      this.set(options.running());
    },
  });
  const attempts = new Counter({
    name: "jobplane_agent_attempts_total",
    help: "Finished attempts by job type and outcome (complete, failed, cancelled, timeout)",
    labelNames: ["type", "outcome"] as const,
    registers: [registry],
  });
  const attemptSeconds = new Histogram({
    name: "jobplane_agent_attempt_seconds",
    help: "Time from an accepted claim to the attempt's outcome, by job type",
    labelNames: ["type"] as const,
    buckets: ATTEMPT_BUCKETS,
    registers: [registry],
  });
  const claims = new Counter({
    name: "jobplane_agent_claims_total",
    help: "Claims the control plane answered, by result (accepted, rejected)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  for (const type of options.types) {
    for (const outcome of OUTCOMES) attempts.inc({ type, outcome }, 0);
    attemptSeconds.zero({ type });
  }
  for (const result of CLAIM_RESULTS) claims.inc({ result }, 0);
  return {
    registry,
    recorder: {
      claimAnswered: (result) => claims.inc({ result }),
      attemptFinished: (type, outcome, seconds) => {
        attempts.inc({ type, outcome });
        attemptSeconds.observe({ type }, Math.max(0, seconds));
      },
    },
  };
}
