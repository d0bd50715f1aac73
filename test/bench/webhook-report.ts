/**
 * The webhook figures of a bench run: the JSON kept in the results file and
 * the lines printed under the job table. Ratios, as for jobs, are to a
 * baseline measured in the same run (plain POSTs to the same receiver), and
 * to the job phase without webhooks (jobs/s, Postgres transactions).
 *
 * Which rate goes into the ratio: the drain's. While jobs run, deliveries
 * can only follow completions, so the live rate says how fast jobs complete,
 * not how fast webhooks go; the live phase is for latency and overhead.
 */
import type { BaselineResult } from "./baselines.js";
import type { CpuSnapshot } from "./cpu.js";
import { fmt, ms, table } from "./format.js";
import { LIVE_EVENTS, type DrainResult, type LiveResult } from "./webhook-phases.js";

export interface WebhookRun {
  readonly drain: DrainResult;
  readonly live: LiveResult;
  readonly plainPost: { readonly before: BaselineResult; readonly after: BaselineResult };
}

/** What the job phase (no gateway) measured, to compare the live phase with. */
export interface JobPhase {
  readonly jobs: number;
  readonly jobsPerSecond: number;
  readonly pgTransactions: number;
}

const perItem = (cpu: CpuSnapshot, n: number) =>
  Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v === undefined ? undefined : (v * 1000) / n]));

export function webhookResults(run: WebhookRun, jobPhase: JobPhase, settings: { concurrency: number; drainEvents: readonly string[] }) {
  const { concurrency } = settings;
  const { drain, live, plainPost } = run;
  const plainPerSecond = (plainPost.before.perSecond + plainPost.after.perSecond) / 2;
  const liveJobsPerSecond = live.workload.jobIds.length / live.workload.seconds;
  return {
    concurrency,
    drain: {
      events: settings.drainEvents,
      delivered: drain.delivered,
      seconds: drain.rate.seconds,
      perSecond: drain.rate.perSecond,
      secondsFromGatewayUp: drain.secondsFromGatewayUp,
      meanBodyBytes: drain.meanBodyBytes,
      signaturesVerified: drain.signaturesVerified,
      pgTransactions: drain.pgTransactions,
      pgTransactionsPerWebhook: drain.pgTransactions / drain.delivered,
      cpuMsPerWebhook: perItem(drain.cpuSeconds, drain.delivered),
      metrics: drain.metrics,
    },
    live: {
      events: LIVE_EVENTS,
      delivered: live.delivered,
      seconds: live.rate.seconds,
      perSecond: live.rate.perSecond,
      completedToReceivedMs: live.completedToReceivedMs,
      /** The same latency split by stage, each from the completion (occurred): cumulative. */
      stages: live.stages,
      jobsPerSecond: liveJobsPerSecond,
      jobsSeconds: live.workload.seconds,
      signaturesVerified: live.signaturesVerified,
      pgTransactions: live.pgTransactions,
      /** Start-up and shutdown of the three processes included; the job phase's count excludes start-up. */
      pgTransactionsPerJob: live.pgTransactions / live.workload.jobIds.length,
      cpuMsPerWebhook: perItem(live.cpuSeconds, live.delivered),
      metrics: live.metrics,
    },
    plainPost: {
      perSecond: plainPerSecond,
      concurrency,
      bodyBytes: Buffer.byteLength(drain.sample.body),
      connection: "a new one per POST, like the gateway's",
      before: plainPost.before,
      after: plainPost.after,
    },
    ratios: {
      drainToPlainPost: drain.rate.perSecond / plainPerSecond,
      jobsWithWebhooksToWithout: liveJobsPerSecond / jobPhase.jobsPerSecond,
      pgTransactionsPerJobWithWebhooksToWithout: live.pgTransactions / live.workload.jobIds.length / (jobPhase.pgTransactions / jobPhase.jobs),
    },
  };
}

export type WebhookResults = ReturnType<typeof webhookResults>;

export function webhookLines(r: WebhookResults): string[] {
  const { drain, live, plainPost, ratios } = r;
  const m = drain.metrics;
  const claimsPer = m.controlPlane.claim.calls > 0 ? drain.delivered / m.controlPlane.claim.calls : 0;
  const cpu = (c: Record<string, number | undefined>) =>
    Object.entries(c)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} ${fmt(v!, 2)}`)
      .join(", ");
  return [
    `webhooks — 1 gateway, GATEWAY_WEBHOOK_CONCURRENCY ${r.concurrency}, receiver on loopback answering 200 at once`,
    table([
      [
        `drain: backlog of ${drain.events.join(", ")} (first → last arrival)`,
        `${fmt(drain.perSecond, 0)} webhooks/s`,
        `${fmt(drain.delivered)} exactly once in ${fmt(drain.seconds, 2)} s, ${drain.signaturesVerified} signatures verified`,
      ],
      [
        `baseline: plain POSTs, ${r.concurrency} at a time, new connection each`,
        `${fmt(plainPost.perSecond, 0)} posts/s`,
        `webhooks/plain POST = ${fmt(ratios.drainToPlainPost, 3)}`,
      ],
      ["Postgres transactions per webhook (drain)", fmt(drain.pgTransactionsPerWebhook, 2), `${fmt(drain.pgTransactions)} in all sessions`],
      [
        `live: ${live.events.join(", ")} while the jobs run (first submit → last arrival)`,
        `${fmt(live.perSecond, 1)} webhooks/s`,
        `${fmt(live.delivered)} exactly once, ${live.signaturesVerified} signatures verified`,
      ],
      ["job.completed → received  p50 / p95 / p99", ms(live.completedToReceivedMs)],
      [
        "  of which completed → relayed / → enqueued, p50",
        `${fmt(live.stages.occurredToRelayedMs.p50)} / ${fmt(live.stages.occurredToEnqueuedMs.p50)} ms`,
        `p95 ${fmt(live.stages.occurredToRelayedMs.p95)} / ${fmt(live.stages.occurredToEnqueuedMs.p95)} ms`,
      ],
      ["jobs/s with webhooks delivering", `${fmt(live.jobsPerSecond, 1)} jobs/s`, `with/without = ${fmt(ratios.jobsWithWebhooksToWithout, 3)}`],
      [
        "Postgres transactions per job with webhooks delivering",
        fmt(live.pgTransactionsPerJob, 2),
        `with/without = ${fmt(ratios.pgTransactionsPerJobWithWebhooksToWithout, 3)}`,
      ],
    ]),
    `  drain, per delivery: POST ${fmt(m.gateway.postMeanMs, 1)} ms, ReportWebhookAttempt ${fmt(m.controlPlane.report.meanMs, 1)} ms; ` +
      `ClaimWebhookDeliveries ${fmt(m.controlPlane.claim.meanMs, 1)} ms × ${fmt(m.controlPlane.claim.calls)} (${fmt(claimsPer, 1)} each), ` +
      `EnqueueWebhookEvents ${fmt(m.controlPlane.enqueue.meanMs, 1)} ms × ${fmt(m.controlPlane.enqueue.calls)}; ` +
      `gateway event loop p99 ${fmt(m.gateway.eventLoopDelayP99Ms, 0)} ms`,
    `  CPU ms per webhook: drain ${cpu(drain.cpuMsPerWebhook)}; live gateway ${fmt(live.cpuMsPerWebhook.gateway ?? NaN, 2)}`,
  ];
}
