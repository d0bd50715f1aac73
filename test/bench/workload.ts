/**
 * The jobplane side of the benchmark: N test.echo jobs submitted over Connect
 * (gRPC over h2c, one HTTP/2 session) with at most `inFlight` SubmitJob calls
 * outstanding, followed to COMPLETE through one WatchJobs stream opened
 * before the first submit. Timed on this process's clock from the first
 * submit to the last job.completed event received.
 */
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { JobStatus } from "../../proto/gen/jobplane/v1/job_pb.js";
import { JobService } from "../../proto/gen/jobplane/v1/job_service_pb.js";

export interface WorkloadOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly count: number;
  readonly inFlight: number;
  /** Give up when nothing was submitted or completed for this long. */
  readonly stallMs: number;
  readonly log: (line: string) => void;
}

export interface WorkloadResult {
  readonly jobIds: readonly string[];
  /** Unix milliseconds (fractional) of the first submit. */
  readonly startedAtMs: number;
  /** Seconds from the first submit to the last completion seen. */
  readonly seconds: number;
  /** Seconds from the first submit to the last submit's response. */
  readonly submitSeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const { count, log } = options;
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${options.apiKey}`);
    return next(req);
  };
  const sessions = new Http2SessionManager(options.url);
  const client = createClient(JobService, createGrpcTransport({ baseUrl: options.url, sessionManager: sessions, interceptors: [auth] }));
  const watch = new AbortController();
  const completed = new Set<string>();
  const failed = new Map<string, string>();
  let lastActivity = performance.now();
  let lastCompletion = 0;
  let watchError: unknown;

  // WatchJobs from "now" (after_sequence 0): opened before the first submit,
  // and a job completes long after the stream is registered on the server.
  const following = (async () => {
    try {
      for await (const { event } of client.watchJobs({}, { signal: watch.signal })) {
        if (!event) continue;
        if (event.status === JobStatus.COMPLETE) {
          completed.add(event.jobId);
          lastCompletion = lastActivity = performance.now();
        } else if (event.status === JobStatus.FAILED || event.status === JobStatus.CANCELLED) {
          failed.set(event.jobId, `${JobStatus[event.status]}: ${event.job?.error?.message ?? ""}`);
        }
      }
    } catch (err) {
      if (!watch.signal.aborted) watchError = err;
    }
  })();

  try {
    await sleep(500); // let the watch register before the first job exists (not timed)
    const jobIds: string[] = [];
    let next = 0;
    const start = performance.now();
    let lastSubmit = start;
    const submitter = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const { job } = await client.submitJob({ type: "test.echo", params: { i } });
        jobIds.push(job!.id);
        lastSubmit = lastActivity = performance.now();
      }
    };
    const submitting = Promise.all(Array.from({ length: Math.min(options.inFlight, count) }, submitter));
    let submitError: unknown;
    submitting.catch((err: unknown) => (submitError = err));

    let lastReport = start;
    while (completed.size < count || jobIds.length < count) {
      await sleep(50);
      const now = performance.now();
      if (submitError) throw submitError;
      if (watchError) throw watchError;
      if (failed.size > 0) throw new Error(`${failed.size} job(s) did not complete, e.g. ${[...failed.entries()][0]!.join(" ")}`);
      if (now - lastActivity > options.stallMs) {
        throw new Error(`stalled: ${jobIds.length} submitted, ${completed.size} completed, nothing new for ${options.stallMs} ms`);
      }
      if (now - lastReport >= 2000) {
        lastReport = now;
        log(`  ${((now - start) / 1000).toFixed(1)} s: ${jobIds.length} submitted, ${completed.size} completed`);
      }
    }
    await submitting;
    const missing = jobIds.filter((id) => !completed.has(id));
    if (missing.length > 0) throw new Error(`${missing.length} submitted job(s) never completed, e.g. ${missing[0]}`);
    return {
      jobIds,
      startedAtMs: performance.timeOrigin + start,
      seconds: (lastCompletion - start) / 1000,
      submitSeconds: (lastSubmit - start) / 1000,
    };
  } finally {
    watch.abort();
    await following;
    sessions.abort();
  }
}
