/**
 * `npm run bench` (5,000 jobs) and `npm run bench -- --quick` (1,000 jobs,
 * well under two minutes): the full job lifecycle on the real servers, with
 * raw JetStream and PostgreSQL baselines measured in the same run, so the
 * figures that matter are the ratios (the machine is noisy, the ratios much
 * less so).
 *
 *   1. a fresh stack (servers.ts): database, NATS prefix, control plane,
 *      agent (--slots 16), an org on the `bench` plan;
 *   2. baselines (baselines.ts): PostgreSQL SKIP LOCKED claims, then a
 *      JetStream publish → pull → ack loop, N each — before the workload and
 *      again after it (the table shows the mean of the two);
 *   3. the workload (workload.ts): N test.echo jobs over Connect, followed
 *      to COMPLETE; pg_stat_database and CPU counters read around it;
 *      (transactions: xact_commit + xact_rollback of the bench database, all
 *      sessions — API calls, agent calls, background passes, LISTEN
 *      wake-ups; read after the processes exit, when backends flush them);
 *   4. latencies from the job rows;
 *   5. with --webhooks (webhook-phases.ts): the job phase's backlog of
 *      job.completed webhooks drained by a gateway at full speed, then the
 *      N jobs again with job.completed delivered as they complete; a plain
 *      node:http POST loop against the same receiver (plain-post-baseline.ts)
 *      after each, for the ratio. Opt-in because it nearly triples the quick
 *      run (31 s → 83 s): the jobs run twice (a job phase without a gateway
 *      keeps the job figures comparable with earlier runs), and one endpoint
 *      drains at only ~120/s;
 *   6. the table on stdout, the same as JSON in .jobplane/bench-<timestamp>.json;
 *      everything removed again.
 *
 * Options: --quick, --jobs N, --in-flight N (SubmitJob calls outstanding,
 * default 64), --slots N (agent slots, default 16), --workers N (Postgres
 * baseline connections, default 4), --logs (keep the processes' output in
 * .jobplane/bench-<timestamp>-<process>.log; with JOBPLANE_SQL_DEBUG=1 in
 * the environment that includes every SQL statement of the control plane),
 * --pg-log (PostgreSQL logs every statement on the bench database with its
 * duration, in the server's own log: where the database time goes),
 * --webhooks (step 5), --webhook-concurrency N (the gateway's
 * GATEWAY_WEBHOOK_CONCURRENCY and the plain-POST baseline's; default 16, the
 * product's), --webhook-events LIST (the drain endpoint's event types,
 * default job.completed; e.g. job.created,job.dispatched,job.started,job.completed
 * drains 4 per job). Env: DATABASE_URL (its server is used;
 * the bench makes its own database), NATS_URL.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../support/processes.js";
import { jetStreamBaseline, postgresBaseline, type BaselineResult } from "./baselines.js";
import { cpuDelta, cpuSnapshot, type CpuSnapshot } from "./cpu.js";
import { fmt, ms, table } from "./format.js";
import { summarize, type Summary } from "./percentiles.js";
import { startBenchStack, BENCH_PLAN, type BenchStack } from "./servers.js";
import { plainPostBaseline } from "./plain-post-baseline.js";
import { registerDrainEndpoint, runDrainPhase, runLivePhase, type WebhookPhaseContext } from "./webhook-phases.js";
import { webhookLines, webhookResults, type WebhookRun } from "./webhook-report.js";
import { startBenchReceiver } from "./webhook-receiver.js";
import { runWorkload } from "./workload.js";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    jobs: { type: "string" },
    "in-flight": { type: "string", default: "64" },
    slots: { type: "string", default: "16" },
    workers: { type: "string", default: "4" },
    logs: { type: "boolean", default: false },
    "pg-log": { type: "boolean", default: false },
    webhooks: { type: "boolean", default: false },
    "webhook-concurrency": { type: "string", default: "16" },
    "webhook-events": { type: "string", default: "job.completed" },
  },
});
const jobs = Number(args.jobs ?? (args.quick ? 1000 : 5000));
const inFlight = Number(args["in-flight"]);
const slots = Number(args.slots);
const workers = Number(args.workers);
const webhookConcurrency = Number(args["webhook-concurrency"]);
const drainEvents = args["webhook-events"].split(",").map((e) => e.trim()).filter((e) => e !== "");
for (const [name, value] of Object.entries({ jobs, inFlight, slots, workers, webhookConcurrency })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The counters of the control plane's /metrics that tell how well it batches. */
async function scrapeMetrics(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const wanted: Record<string, RegExp> = {
    dispatchedJobs: /^jobplane_dispatch_jobs_total\{result="dispatched"\} (\S+)$/m,
    dispatchPasses: /^jobplane_dispatch_pass_seconds_count (\S+)$/m,
    relayedEvents: /^jobplane_relay_events_total\{result="published"\} (\S+)$/m,
    relayPasses: /^jobplane_relay_pass_seconds_count (\S+)$/m,
    // Since the previous scrape (prom-client resets the histogram on each).
    eventLoopDelayP50: /^nodejs_eventloop_lag_p50_seconds (\S+)$/m,
    eventLoopDelayP99: /^nodejs_eventloop_lag_p99_seconds (\S+)$/m,
    eventLoopDelayMax: /^nodejs_eventloop_lag_max_seconds (\S+)$/m,
  };
  return Object.fromEntries(Object.entries(wanted).map(([k, re]) => [k, Number(text.match(re)?.[1] ?? 0)]));
}

interface LatencyRow {
  start_ms: number;
  complete_ms: number;
}

async function jobLatencies(stack: BenchStack): Promise<{ start: Summary; complete: Summary; dbSeconds: number }> {
  const rows = await stack.query<LatencyRow>(
    `select extract(epoch from started_at - created_at)::float8 * 1000 as start_ms,
            extract(epoch from completed_at - created_at)::float8 * 1000 as complete_ms
       from jobs where org_id = $1 and status = 'complete'`,
    [stack.orgId],
  );
  const [span] = await stack.query<{ seconds: number }>(
    "select extract(epoch from max(completed_at) - min(created_at))::float8 as seconds from jobs where org_id = $1",
    [stack.orgId],
  );
  return {
    start: summarize(rows.map((r) => r.start_ms)),
    complete: summarize(rows.map((r) => r.complete_ms)),
    dbSeconds: span?.seconds ?? NaN,
  };
}

function gitDescription(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT }).toString().trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "control-plane", "agent"], { cwd: REPO_ROOT }).toString().trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return "unknown";
  }
}

/** Mean rate of two runs of a baseline. */
const meanOf = (a: BaselineResult, b: BaselineResult) => (a.perSecond + b.perSecond) / 2;

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
  const natsUrl = process.env.NATS_URL || "nats://127.0.0.1:4222";
  log(
    `jobplane bench: ${jobs} test.echo jobs, ${inFlight} submits in flight, agent --slots ${slots}${args.quick ? " (quick)" : ""}` +
      (args.webhooks ? `, webhooks (${drainEvents.join(", ")} drained, then job.completed live; concurrency ${webhookConcurrency})` : ""),
  );
  const started = new Date().toISOString().replace(/[:.]/g, "-");
  const dir = path.join(REPO_ROOT, ".jobplane");
  mkdirSync(dir, { recursive: true });
  const logPrefix = args.logs ? path.join(dir, `bench-${started}`) : undefined;
  const stack = await startBenchStack({
    serverUrl,
    natsUrl,
    credits: jobs * 2 * (args.webhooks ? 2 : 1), // the live webhook phase runs the jobs again
    slots,
    log,
    logPrefix,
    logStatements: args["pg-log"],
  });
  const receiver = await startBenchReceiver();
  const onSignal = () => void stack.cleanup().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const webhookContext: WebhookPhaseContext = { stack, receiver, concurrency: webhookConcurrency, stallMs: 30_000, log };
  try {
    // The baselines run before and after the workload; the table uses their
    // mean, so a machine that got busier or quieter meanwhile skews the ratios less.
    const baselines = async (when: string) => {
      log(`baseline (${when}): PostgreSQL SKIP LOCKED claims of ${jobs} rows, ${workers} workers`);
      const postgres = await postgresBaseline({ databaseUrl: stack.databaseUrl, count: jobs, workers });
      log(`baseline (${when}): JetStream publish → pull → ack of ${jobs} messages, ${inFlight} publishes in flight`);
      const jetstream = await jetStreamBaseline({
        nc: stack.nc,
        stream: `${stack.streamPrefix}BASELINE`,
        subject: `${stack.natsPrefix}.baseline`,
        count: jobs,
        inFlight,
      });
      return { postgres, jetstream };
    };
    const before = await baselines("before");
    // Registered before the job phase, so that the phase leaves it a backlog to drain
    // (nothing reads it meanwhile: no gateway runs, the job path is untouched).
    const drainEndpoint = args.webhooks ? await registerDrainEndpoint(webhookContext, drainEvents) : undefined;

    await sleep(1000);
    const xactsBefore = await stack.transactions();
    const cpuBefore: CpuSnapshot = cpuSnapshot(stack.pids);
    const metricsBefore = await scrapeMetrics(stack.controlPlaneUrl);
    log(`jobplane: ${jobs} jobs`);
    const load = await runWorkload({
      url: stack.controlPlaneUrl,
      apiKey: stack.apiKey,
      count: jobs,
      inFlight,
      stallMs: 30_000,
      log,
    });
    const cpu = cpuDelta(cpuBefore, cpuSnapshot(stack.pids));
    const metricsAfter = await scrapeMetrics(stack.controlPlaneUrl);
    // Backends flush their statistics when they exit: stop the processes before the second reading.
    await stack.stopProcesses();
    await sleep(500);
    const xacts = (await stack.transactions()) - xactsBefore;
    const latency = await jobLatencies(stack);

    let webhooks: WebhookRun | undefined;
    if (drainEndpoint) {
      const drain = await runDrainPhase(webhookContext, drainEndpoint);
      const plainPost = (when: string) => {
        log(`baseline (${when}): plain POSTs of ${drain.delivered} webhook bodies, ${webhookConcurrency} at a time`);
        const { body, webhookId, webhookTimestamp, webhookSignature, userAgent } = drain.sample;
        return plainPostBaseline({
          url: `${receiver.baseUrl}/plain`,
          count: drain.delivered,
          concurrency: webhookConcurrency,
          body,
          headers: {
            "webhook-id": webhookId,
            "webhook-timestamp": webhookTimestamp,
            "webhook-signature": webhookSignature,
            "user-agent": userAgent,
          },
        });
      };
      const plainBefore = await plainPost("before");
      const live = await runLivePhase(webhookContext, { drainEndpoint, jobs, inFlight });
      webhooks = { drain, live, plainPost: { before: plainBefore, after: await plainPost("after") } };
    }
    const after = await baselines("after");
    const pgBase = meanOf(before.postgres, after.postgres);
    const jsBase = meanOf(before.jetstream, after.jetstream);

    const jobsPerSecond = jobs / load.seconds;
    const delta = (k: string) => (metricsAfter[k] ?? 0) - (metricsBefore[k] ?? 0);
    const perPass = (items: string, passes: string) => (delta(passes) > 0 ? delta(items) / delta(passes) : 0);
    const cpuPerJob = Object.fromEntries(
      Object.entries(cpu).map(([k, v]) => [k, v === undefined ? undefined : (v * 1000) / jobs]),
    );
    const results = {
      at: new Date().toISOString(),
      commit: gitDescription(),
      settings: { jobs, inFlight, slots, baselineWorkers: workers, quick: args.quick, plan: BENCH_PLAN },
      jobplane: {
        jobsPerSecond,
        seconds: load.seconds,
        submitSeconds: load.submitSeconds,
        dbSpanSeconds: latency.dbSeconds,
        submitToStartMs: latency.start,
        submitToCompleteMs: latency.complete,
        pgTransactions: xacts,
        pgTransactionsPerJob: xacts / jobs,
        jobsPerDispatchPass: perPass("dispatchedJobs", "dispatchPasses"),
        eventsPerRelayPass: perPass("relayedEvents", "relayPasses"),
        cpuMsPerJob: cpuPerJob,
        // prom-client's monitorEventLoopDelay, 10 ms resolution.
        controlPlaneEventLoopDelayMs: {
          p50: (metricsAfter.eventLoopDelayP50 ?? 0) * 1000,
          p99: (metricsAfter.eventLoopDelayP99 ?? 0) * 1000,
          max: (metricsAfter.eventLoopDelayMax ?? 0) * 1000,
        },
      },
      baselines: {
        jetstream: { perSecond: jsBase, before: before.jetstream, after: after.jetstream },
        postgres: { perSecond: pgBase, before: before.postgres, after: after.postgres },
      },
      ratios: {
        jobplaneToJetStream: jobsPerSecond / jsBase,
        jobplaneToPostgres: jobsPerSecond / pgBase,
      },
      webhooks: webhooks && webhookResults(webhooks, { jobs, jobsPerSecond, pgTransactions: xacts }, { concurrency: webhookConcurrency, drainEvents }),
    };

    const cpuLine = Object.entries(cpuPerJob)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} ${fmt(v!, 2)}`)
      .join(", ");
    const out = [
      "",
      `jobplane bench — ${fmt(jobs)} test.echo jobs, ${inFlight} submits in flight, 1 agent × ${slots} slots, 1 control plane (${results.commit})`,
      table([
        ["end-to-end throughput (first submit → last complete)", `${fmt(jobsPerSecond, 1)} jobs/s`, `${fmt(load.seconds, 2)} s`],
        ["submit → start     p50 / p95 / p99", ms(latency.start)],
        ["submit → complete  p50 / p95 / p99", ms(latency.complete)],
        ["Postgres transactions per job", fmt(xacts / jobs, 2), `${fmt(xacts)} in all sessions`],
        ["baseline: JetStream publish → pull → ack", `${fmt(jsBase, 0)} msgs/s`, `jobplane/JetStream = ${fmt(results.ratios.jobplaneToJetStream, 3)}`],
        ["baseline: Postgres SKIP LOCKED claims", `${fmt(pgBase, 0)} claims/s`, `jobplane/Postgres  = ${fmt(results.ratios.jobplaneToPostgres, 3)}`],
        ["jobs per dispatch pass / events per relay pass", `${fmt(results.jobplane.jobsPerDispatchPass, 1)} / ${fmt(results.jobplane.eventsPerRelayPass, 1)}`],
      ]),
      `  CPU ms per job: ${cpuLine} (postgres and nats: the whole server)`,
      `  plan "${BENCH_PLAN.name}": ${fmt(BENCH_PLAN.requestsPerMinute)} requests/min, ${fmt(BENCH_PLAN.maxConcurrentJobs)} concurrent jobs (so the plan does not cap throughput)`,
      ...(results.webhooks ? ["", ...webhookLines(results.webhooks)] : []),
      "",
    ].join("\n");
    process.stdout.write(out);

    const file = path.join(dir, `bench-${started}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    log(`results: ${path.relative(REPO_ROOT, file)}`);
  } finally {
    await stack.cleanup();
    await receiver.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
