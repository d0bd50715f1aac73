/**
 * The webhook part of the bench: two phases, each on fresh processes with a
 * `jobplane gateway` delivering to the bench's receiver (webhook-receiver.ts).
 *
 *  drain  The "drain" endpoint (job.completed by default; --webhook-events)
 *         was registered before the job phase, which ran with no gateway, so
 *         its events wait in JOBPLANE_EVENTS for the `webhooks` consumer. A control plane and a gateway start (no
 *         agent: nothing else happens): the gateway enqueues the backlog and
 *         delivers it as fast as it can. → deliveries/s at capacity (what
 *         the plain-POST baseline is compared with), Postgres transactions
 *         per delivered webhook (read with every process stopped, before and
 *         after: exact, start-up and shutdown included), CPU per webhook.
 *  live   The drain endpoint is switched off and a "live" endpoint
 *         (job.completed) registered; the same N jobs run again while the
 *         gateway delivers. → deliveries/s while the jobs run (bounded by
 *         the rate jobs complete, so not a capacity), completedAt → received
 *         p50/p95/p99 and its split by stage (webhook-stages.ts), jobs/s with
 *         webhooks on, Postgres transactions per job with webhooks on.
 *
 * After each phase (processes stopped, so nothing more can arrive) every
 * expected event must have arrived exactly once by webhook-id, and a sample
 * of signatures must verify; otherwise the bench fails.
 */
import { cpuDelta, cpuSnapshot, type CpuSnapshot } from "./cpu.js";
import { summarize, type Summary } from "./percentiles.js";
import type { BenchStack, ProcessSet } from "./servers.js";
import { createBenchEndpoint, deactivateBenchEndpoint, expectedEventIds, type BenchEndpoint } from "./webhook-endpoints.js";
import { scrapeWebhookMetrics, type WebhookMetrics } from "./webhook-metrics.js";
import type { Arrival, BenchReceiver } from "./webhook-receiver.js";
import { stageLatencies, stageTimes, type StageLatencies } from "./webhook-stages.js";
import { arrivalRate, checkExactlyOnce, completionLatencies, verifySample, type Rate } from "./webhook-tally.js";
import { runWorkload, type WorkloadResult } from "./workload.js";

/** What the live endpoint subscribes to (its latency is completedAt → received). */
export const LIVE_EVENTS = ["job.completed"] as const;
/** Signatures verified per phase (evenly spread; verifying every one would measure the bench). */
const VERIFY_SAMPLE = 200;

export interface WebhookPhaseContext {
  readonly stack: BenchStack;
  readonly receiver: BenchReceiver;
  /** GATEWAY_WEBHOOK_CONCURRENCY of the gateway. */
  readonly concurrency: number;
  /** Fail when nothing new arrived for this long. */
  readonly stallMs: number;
  readonly log: (line: string) => void;
}

interface PhaseCommon {
  readonly delivered: number;
  readonly signaturesVerified: number;
  /** Postgres transactions of the phase, all sessions, process start-up and shutdown included. */
  readonly pgTransactions: number;
  /** CPU seconds per process from the gateway being up to the last arrival. */
  readonly cpuSeconds: CpuSnapshot;
  readonly metrics: WebhookMetrics;
}

export interface DrainResult extends PhaseCommon {
  /** First arrival → last arrival. */
  readonly rate: Rate;
  /** Gateway up → last arrival (includes reading the backlog before the first POST). */
  readonly secondsFromGatewayUp: number;
  /** Mean body size, and one delivered webhook (a job.completed if any: body and headers) for the plain-POST baseline. */
  readonly meanBodyBytes: number;
  readonly sample: Arrival;
}

export interface LiveResult extends PhaseCommon {
  readonly workload: WorkloadResult;
  /** First submit → last arrival. */
  readonly rate: Rate;
  readonly completedToReceivedMs: Summary;
  readonly stages: StageLatencies;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowMs = () => performance.timeOrigin + performance.now();

/** Registers the drain endpoint: before the job phase, whose events it then gets. */
export function registerDrainEndpoint(ctx: WebhookPhaseContext, events: readonly string[]): Promise<BenchEndpoint> {
  return createBenchEndpoint(ctx.stack, ctx.receiver.baseUrl, "drain", events);
}

async function waitForArrivals(ctx: WebhookPhaseContext, label: string, path: string, count: number): Promise<void> {
  let seen = -1;
  let lastChange = nowMs();
  let lastReport = nowMs();
  for (;;) {
    const n = ctx.receiver.arrivals(path).length;
    if (n >= count) return;
    const now = nowMs();
    if (n !== seen) {
      seen = n;
      lastChange = now;
    }
    if (now - lastChange > ctx.stallMs) {
      throw new Error(`webhooks ${label}: ${n} of ${count} arrived, nothing new for ${ctx.stallMs} ms`);
    }
    if (now - lastReport >= 2000) {
      lastReport = now;
      ctx.log(`  webhooks ${label}: ${n} of ${count} arrived`);
    }
    await sleep(50);
  }
}

/** Starts `set`, runs `work` while it runs, then stops it: transactions, CPU and metrics of the phase. */
async function phase<T>(
  ctx: WebhookPhaseContext,
  set: ProcessSet,
  work: (urls: { controlPlaneUrl: string }) => Promise<T>,
): Promise<{ result: T; gatewayUpAtMs: number; pgTransactions: number; cpuSeconds: CpuSnapshot; metrics: WebhookMetrics }> {
  const { stack } = ctx;
  const xactsBefore = await stack.transactions(); // nothing runs: exact
  const procs = await stack.startProcesses(set);
  const gatewayUpAtMs = nowMs();
  const cpuBefore = cpuSnapshot(procs.pids);
  const result = await work(procs);
  const cpuSeconds = cpuDelta(cpuBefore, cpuSnapshot(procs.pids));
  const metrics = await scrapeWebhookMetrics(procs.gatewayUrl!, procs.controlPlaneUrl);
  // Backends flush their statistics when they exit; nothing can arrive once the gateway is gone.
  await stack.stopProcesses();
  await sleep(500);
  return { result, gatewayUpAtMs, pgTransactions: (await stack.transactions()) - xactsBefore, cpuSeconds, metrics };
}

export async function runDrainPhase(ctx: WebhookPhaseContext, endpoint: BenchEndpoint): Promise<DrainResult> {
  const expected = await expectedEventIds(ctx.stack, endpoint);
  if (expected.length === 0) throw new Error("webhooks drain: no events to deliver (did the job phase run after the endpoint was registered?)");
  ctx.log(`webhooks (drain): ${expected.length} events of ${endpoint.events.join(", ")} waiting; starting a control plane and a gateway`);
  const set: ProcessSet = { agent: false, gateway: true, gatewayEnv: { GATEWAY_WEBHOOK_CONCURRENCY: String(ctx.concurrency) } };
  const ran = await phase(ctx, set, () => waitForArrivals(ctx, "drain", endpoint.path, expected.length));

  const arrivals = ctx.receiver.arrivals(endpoint.path);
  checkExactlyOnce("drain", arrivals, expected);
  const signaturesVerified = verifySample("drain", arrivals, endpoint.secret, VERIFY_SAMPLE);
  const sample = arrivals.find((a) => a.body.includes('"type":"job.completed"')) ?? arrivals[0]!;
  const lastAtMs = arrivals.reduce((last, a) => Math.max(last, a.atMs), -Infinity);
  return {
    delivered: arrivals.length,
    signaturesVerified,
    pgTransactions: ran.pgTransactions,
    cpuSeconds: ran.cpuSeconds,
    metrics: ran.metrics,
    rate: arrivalRate(arrivals),
    secondsFromGatewayUp: (lastAtMs - ran.gatewayUpAtMs) / 1000,
    meanBodyBytes: arrivals.reduce((sum, a) => sum + Buffer.byteLength(a.body), 0) / arrivals.length,
    sample,
  };
}

export interface LiveOptions {
  readonly drainEndpoint: BenchEndpoint;
  readonly jobs: number;
  readonly inFlight: number;
}

export async function runLivePhase(ctx: WebhookPhaseContext, options: LiveOptions): Promise<LiveResult> {
  const { stack, log } = ctx;
  log(`webhooks (live): ${options.jobs} jobs with a gateway delivering ${LIVE_EVENTS.join(", ")}`);
  let endpoint: BenchEndpoint | undefined;
  const set: ProcessSet = { agent: true, gateway: true, gatewayEnv: { GATEWAY_WEBHOOK_CONCURRENCY: String(ctx.concurrency) } };
  const ran = await phase(ctx, set, async ({ controlPlaneUrl }) => {
    await deactivateBenchEndpoint(stack, options.drainEndpoint);
    endpoint = await createBenchEndpoint(stack, ctx.receiver.baseUrl, "live", LIVE_EVENTS);
    const workload = await runWorkload({
      url: controlPlaneUrl,
      apiKey: stack.apiKey,
      count: options.jobs,
      inFlight: options.inFlight,
      stallMs: ctx.stallMs,
      log,
    });
    const expected = await expectedEventIds(stack, endpoint);
    await waitForArrivals(ctx, "live", endpoint.path, expected.length);
    return { workload, expected };
  });
  const { workload, expected } = ran.result;
  const stages = stageLatencies(await stageTimes(stack, endpoint!), ctx.receiver.arrivals(endpoint!.path));

  const arrivals = ctx.receiver.arrivals(endpoint!.path);
  checkExactlyOnce("live", arrivals, expected);
  const signaturesVerified = verifySample("live", arrivals, endpoint!.secret, VERIFY_SAMPLE);
  const latencies = completionLatencies(arrivals);
  const jobs = new Set(workload.jobIds);
  const strays = latencies.filter((l) => !jobs.has(l.jobId));
  if (strays.length > 0 || latencies.length !== jobs.size) {
    throw new Error(
      `webhooks live: job.completed for ${latencies.length} jobs, ${jobs.size} submitted (${strays.length} not submitted in this phase)`,
    );
  }
  return {
    delivered: arrivals.length,
    signaturesVerified,
    pgTransactions: ran.pgTransactions,
    cpuSeconds: ran.cpuSeconds,
    metrics: ran.metrics,
    workload,
    rate: arrivalRate(arrivals, workload.startedAtMs),
    completedToReceivedMs: summarize(latencies.map((l) => l.ms)),
    stages,
  };
}
