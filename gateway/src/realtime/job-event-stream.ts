/**
 * GET /jobs/{id}/events: one job as server-sent events.
 *
 *   1. GetJob → `event: job.snapshot` (the job now; sent on every connect);
 *   2. WatchJob(after = Last-Event-ID or 0) → per event `event: <type>`,
 *      `id: <sequence>`, `data: <JobEvent>`;
 *   3. the control plane ends WatchJob after the terminal event, and the
 *      gateway ends the response.
 * Errors before the first byte (401, 404, a bad Last-Event-ID) are plain JSON
 * error responses. An EventSource reconnects by itself when a stream ends;
 * when it comes back with a Last-Event-ID after which nothing can follow (a
 * terminal job, fully seen) the answer is 204, which tells it to stop.
 * A client that stops reading is cut off once its unsent data passes the
 * bound, like the WebSocket hub's slow consumers (it may reconnect with
 * Last-Event-ID). Shutdown sends `event: gateway.closing` with the reason.
 */
import type { JobEvent } from "../../../proto/gen/jobplane/v1/event_pb.js";
import { toRestError, validationError } from "../errors/rest-error.js";
import { STREAMED, type Handler } from "../http/handler.js";
import type { GatewayMetrics } from "../ops/metrics.js";
import { isTerminalStatus, jobEventJson, jobJson } from "../rest/job-json.js";
import { callOptions, type ControlPlane } from "../upstream/control-plane.js";
import type { LiveStreams } from "./live-streams.js";
import { formatSseComment, formatSseEvent, parseLastEventId } from "./sse-format.js";

export interface JobEventStreamDeps {
  readonly cp: ControlPlane;
  readonly streams: LiveStreams;
  readonly metrics: GatewayMetrics;
  readonly keepaliveMs: number;
  readonly maxBufferedBytes: number;
}

export function createJobEventStream(deps: JobEventStreamDeps): Handler {
  return async (ctx) => {
    const after = parseLastEventId(ctx.req.headers["last-event-id"]);
    if (after === null) throw validationError([{ path: "/headers/Last-Event-ID", description: "must be an event sequence (a non-negative integer)" }]);
    const { job } = await deps.cp.jobs.getJob({ id: ctx.params.id! }, callOptions(ctx.forwarded));
    const snapshot = jobJson(job!);

    const stop = new AbortController();
    const signal = AbortSignal.any([ctx.forwarded.signal, stop.signal]);
    const upstream = deps.cp.jobs
      .watchJob({ id: snapshot.id, afterSequence: after ?? 0n }, callOptions({ ...ctx.forwarded, signal }, true))
      [Symbol.asyncIterator]();
    let first: IteratorResult<{ event?: JobEvent }> | undefined;
    if (after !== undefined && isTerminalStatus(snapshot.status)) {
      // A reconnect to a finished job: only answer with a stream if something is left.
      first = await upstream.next();
      if (first.done) return { status: 204, body: undefined };
    }

    const { res } = ctx;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
    let closed = false;
    const write = (chunk: string): void => {
      if (closed) return;
      res.write(chunk);
      if (res.writableLength > deps.maxBufferedBytes) finish("slow consumer: reconnect with Last-Event-ID");
    };
    const finish = (reason?: string): void => {
      if (closed) return;
      if (reason !== undefined) res.write(formatSseEvent({ event: "gateway.closing", data: { reason } }));
      closed = true;
      stop.abort();
      res.end();
    };
    const unregister = deps.streams.add({ close: (reason) => finish(reason) });
    deps.metrics.sseStreams.inc();
    const keepalive = setInterval(() => write(formatSseComment("keepalive")), deps.keepaliveMs);
    const send = (event: JobEvent | undefined): void => {
      if (!event) return;
      const json = jobEventJson(event);
      write(formatSseEvent({ event: json.type, id: String(json.sequence), data: json }));
    };
    try {
      write(formatSseEvent({ event: "job.snapshot", data: snapshot }));
      if (first && !first.done) send(first.value.event);
      for (;;) {
        const next = await upstream.next();
        if (next.done || closed) break;
        send(next.value.event);
      }
    } catch (err) {
      if (!signal.aborted) {
        const e = toRestError(err);
        if (e.code === "INTERNAL_ERROR") ctx.log.error({ err }, "job event stream failed");
        write(formatSseEvent({ event: "gateway.error", data: e.envelope() }));
      }
    } finally {
      clearInterval(keepalive);
      unregister();
      deps.metrics.sseStreams.dec();
      finish();
      await upstream.return?.().catch(() => undefined);
    }
    return STREAMED;
  };
}
