/**
 * The agent's worker: pulls dispatch messages for its job types from
 * JetStream, claims each over the session, runs the accepted ones in its
 * slots, reports their results, heartbeats, and drains on stop().
 *
 * States:
 *   starting  Register + open the session (session.connect()).
 *             → running once connected; start() rejects if the token is refused
 *               or stop() is called first.
 *   running   One fetch loop per job type (dispatch-fetcher.ts: binds to the
 *             durable pull consumer the control plane created, waits for a free
 *             slot and an open session, fetches). Per message:
 *               decode DispatchMessage (undecodable → term())
 *               already running this attempt (a redelivery) → ack()
 *               ClaimJob{job_id, attempt, delivery_count}:
 *                 ClaimAccepted → ack(), run the attempt, deliver its result
 *                 ClaimRejected CONFLICT | NOT_FOUND | FORBIDDEN → term() (plain: 2.9 ignores a reason)
 *                 ClaimRejected with any other code (INTERNAL_ERROR…), no reply
 *                 in time, or the session broke → neither ack nor nak: JetStream
 *                 redelivers after the consumer's backoff, up to max_deliver.
 *             A Heartbeat{running, free_slots} every heartbeat_interval_ms and on
 *             every (re)connect. CancelAttempt → abort exactly that jobId/attempt.
 *             → draining on stop().
 *   draining  Fetch loops stop (a message that still arrives is nak()ed so
 *             another agent gets it at once); running attempts get graceMs to
 *             finish; then the rest are aborted and reported FAILED
 *             (PROVIDER_ERROR "agent shutting down", retryable); results are
 *             flushed (up to flushTimeoutMs); the session is closed.
 *             → stopped.
 *   stopped   Nothing runs, no timer is left. The caller drains NATS.
 * Invariants: at most `slots` messages held at once, counting those being
 * claimed and attempts whose result is not yet acknowledged; an attempt's
 * result is retried over new sessions until acknowledged (a CONFLICT ack
 * means it was already settled: logged and dropped); no attempt is left
 * running after stop() resolves.
 * Metrics: claim answers and finished attempts (with their outcome label and
 * duration) go to the injected WorkerMetrics; nothing here knows Prometheus.
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  FailJobSchema,
  type CancelAttempt,
  type ClaimAccepted,
  type SessionResponse,
} from "../../proto/gen/jobplane/v1/agent_service_pb.js";
import { DispatchMessageSchema, type DispatchMessage } from "../../proto/gen/jobplane/v1/dispatch_pb.js";
import { ErrorCode } from "../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase } from "../../proto/gen/jobplane/v1/job_pb.js";
import type { NatsNames } from "../../proto/nats/names.js";
import { AttemptRegistry } from "./attempt-registry.js";
import { startAttempt, type AttemptEnvironment, type AttemptOutcome, type AttemptRef } from "./attempt-runner.js";
import type { BackoffOptions } from "./backoff.js";
import { systemClock, type Clock, type TimerHandle } from "./clock.js";
import { DispatchFetcher } from "./dispatch-fetcher.js";
import { httpFileTransfer, tempWorkspace, type FileTransfer, type WorkspaceFactory } from "./file-transfer.js";
import type { AnyJobTypeDefinition } from "./job-type-definition.js";
import type { AgentLogger } from "./logger.js";
import type { AgentSession, SessionSettings } from "./session-client.js";
import { deliverResult } from "./result-delivery.js";
import { SlotPool } from "./slot-pool.js";
import { attemptOutcomeLabel, guardedWorkerMetrics, noWorkerMetrics, type WorkerMetrics } from "./worker-metrics.js";

export type WorkerState = "starting" | "running" | "draining" | "stopped";

export interface WorkerOptions {
  readonly nc: NatsConnection;
  readonly names: NatsNames;
  readonly session: AgentSession;
  /** The job types this agent serves (one fetch loop each). */
  readonly jobTypes: readonly AnyJobTypeDefinition[];
  readonly slots: number;
  /** How long stop() lets running attempts finish before aborting them. */
  readonly graceMs: number;
  readonly logger: AgentLogger;
  readonly clock?: Clock;
  readonly transfer?: FileTransfer;
  readonly workspace?: WorkspaceFactory;
  /** Reply timeout of a claim (default 10 s); past it the message is left for redelivery. */
  readonly claimTimeoutMs?: number;
  /** Reply timeout of one try to deliver a result (default 10 s); it is then resent. */
  readonly reportTimeoutMs?: number;
  /** How long stop() waits for results to be acknowledged after the grace period (default 10 s). */
  readonly flushTimeoutMs?: number;
  /** Pull request expiry (default 3 s; NATS 2.9 needs ≥ 1 s). An idle type holds its reserved slots this long. */
  readonly fetchExpiresMs?: number;
  /** Back-off of consumer binding and fetch retries (default 500 ms … 5 s). */
  readonly retryBackoff?: BackoffOptions;
  /** Told of claim answers and finished attempts (default: nobody). */
  readonly metrics?: WorkerMetrics;
}

/** Rejections that mean "never run this message": terminate it. Others are transient. */
const TERMINAL_REJECTIONS: ReadonlySet<ErrorCode> = new Set([ErrorCode.CONFLICT, ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN]);
const STOPPING = new Error("the worker is stopping");

export class Worker {
  private current: WorkerState = "starting";
  private readonly clock: Clock;
  private readonly definitions: ReadonlyMap<string, AnyJobTypeDefinition>;
  private readonly slots: SlotPool;
  private readonly attempts = new AttemptRegistry();
  private readonly inflight = new Set<Promise<void>>();
  private readonly fetcher: DispatchFetcher;
  /** Aborted just before the session closes: ends result retries. */
  private readonly closing = new AbortController();
  private heartbeatTimer: TimerHandle | undefined;
  private heartbeatsStopped = false;
  private claiming = 0;
  private graceExpired = false;
  private stopping: Promise<void> | undefined;
  private readonly retryBackoff: BackoffOptions;
  private readonly metrics: WorkerMetrics;

  constructor(private readonly options: WorkerOptions) {
    if (options.jobTypes.length === 0) throw new Error("the worker needs at least one job type");
    this.clock = options.clock ?? systemClock;
    this.definitions = new Map(options.jobTypes.map((d) => [d.name, d]));
    this.slots = new SlotPool(options.slots);
    this.retryBackoff = options.retryBackoff ?? { initialMs: 500, maxMs: 5000 };
    this.metrics = options.metrics
      ? guardedWorkerMetrics(options.metrics, (err) => options.logger.error({ err }, "recording a metric failed"))
      : noWorkerMetrics;
    this.fetcher = new DispatchFetcher({
      nc: options.nc,
      names: options.names,
      session: options.session,
      slots: this.slots,
      logger: options.logger,
      clock: this.clock,
      fetchExpiresMs: options.fetchExpiresMs,
      retryBackoff: this.retryBackoff,
      onMessage: (type, msg) => this.track(this.handleMessage(type, msg)),
    });
  }

  get state(): WorkerState {
    return this.current;
  }

  /** Attempts held right now (running, or with a result not yet acknowledged). */
  get heldAttempts(): readonly AttemptRef[] {
    return this.attempts.refs();
  }

  /** Registers, opens the session and starts fetching. Resolves with the session settings once running. */
  async start(): Promise<SessionSettings> {
    if (this.current !== "starting" || this.fetcher.started) throw new Error(`cannot start a worker that is ${this.current}`);
    const { session, logger } = this.options;
    session.onCancel((cancel) => this.onCancel(cancel));
    session.onConnected(() => this.sendHeartbeat());
    const settings = await session.connect();
    if (this.stopping) throw new Error("the worker was stopped while starting");
    this.current = "running";
    this.scheduleHeartbeat();
    const types = [...this.definitions.keys()];
    this.fetcher.start(types);
    logger.info({ types, slots: this.slots.total, agentId: settings.agentId }, "worker running");
    return settings;
  }

  /** Stops fetching, lets running attempts finish within the grace period, aborts the rest, flushes results, closes the session. */
  stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private async drain(): Promise<void> {
    const { logger, graceMs } = this.options;
    this.current = "draining";
    await this.fetcher.stop();
    logger.info({ running: this.attempts.running().length, graceMs }, "draining: fetching stopped, waiting for running attempts");

    if (!(await this.settleWithin(graceMs))) {
      this.graceExpired = true;
      const aborted = this.attempts.shutdownAll();
      logger.warn({ aborted, graceMs }, "grace period over: aborting the attempts still running");
    }
    const flushMs = this.options.flushTimeoutMs ?? 10_000;
    if (!(await this.settleWithin(flushMs))) {
      logger.error({ attempts: this.attempts.refs(), flushMs }, "results not acknowledged before the flush timeout; the sweeper will settle them");
    }
    this.closing.abort(STOPPING);
    this.heartbeatsStopped = true;
    if (this.heartbeatTimer !== undefined) this.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    await this.options.session.close();
    this.current = "stopped";
    logger.info({}, "worker stopped");
  }

  /** True when everything in flight settled within `ms`. */
  private async settleWithin(ms: number): Promise<boolean> {
    if (this.inflight.size === 0) return true;
    let timer: TimerHandle | undefined;
    const expired = new Promise<false>((resolve) => (timer = this.clock.setTimeout(() => resolve(false), ms)));
    const settled = (async () => {
      while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
      return true as const;
    })();
    const result = await Promise.race([settled, expired]);
    this.clock.clearTimeout(timer!);
    return result;
  }

  private track(task: Promise<void>): void {
    this.inflight.add(task);
    void task.finally(() => this.inflight.delete(task));
  }

  /** Owns one slot from the moment the message arrives. */
  private async handleMessage(type: string, msg: JsMsg): Promise<void> {
    const { logger } = this.options;
    try {
      let dispatch: DispatchMessage;
      try {
        dispatch = fromBinary(DispatchMessageSchema, msg.data);
        if (!dispatch.jobId) throw new Error("no job_id");
      } catch (err) {
        logger.error({ type, subject: msg.subject, seq: msg.seq, err: String(err) }, "undecodable dispatch message: terminating it");
        msg.term();
        return;
      }
      const ref = { jobId: dispatch.jobId, attempt: dispatch.attempt };
      const fields = { ...ref, type, deliveryCount: msg.info.deliveryCount };
      if (this.current !== "running") {
        msg.nak();
        logger.debug(fields, "draining: handed the message back");
        return;
      }
      if (this.attempts.has(ref)) {
        msg.ack();
        logger.info(fields, "redelivery of an attempt this agent already runs: acked");
        return;
      }
      let reply: SessionResponse;
      this.claiming++;
      try {
        reply = await this.options.session.request(
          { case: "claim", value: { jobId: ref.jobId, attempt: ref.attempt, deliveryCount: msg.info.deliveryCount } },
          this.options.claimTimeoutMs ?? 10_000,
        );
      } catch (err) {
        logger.warn({ ...fields, err: err instanceof Error ? err.message : String(err) }, "claim not answered: leaving the message for redelivery");
        return;
      } finally {
        this.claiming--;
      }
      switch (reply.message.case) {
        case "claimAccepted":
          this.metrics.claimAnswered("accepted");
          msg.ack();
          await this.runAttempt(type, ref, reply.message.value);
          return;
        case "claimRejected": {
          this.metrics.claimAnswered("rejected");
          const { code, message } = reply.message.value;
          if (TERMINAL_REJECTIONS.has(code)) {
            msg.term();
            logger.info({ ...fields, code: ErrorCode[code], reason: message }, "claim rejected: message terminated");
          } else {
            logger.warn({ ...fields, code: ErrorCode[code], reason: message }, "claim failed on the control plane: leaving the message for redelivery");
          }
          return;
        }
        default:
          logger.warn({ ...fields, reply: reply.message.case }, "unexpected reply to a claim: leaving the message for redelivery");
      }
    } catch (err) {
      logger.error({ type, err }, "handling a dispatch message failed");
    } finally {
      this.slots.release(1);
    }
  }

  private async runAttempt(fetchedType: string, ref: AttemptRef, accepted: ClaimAccepted): Promise<void> {
    const { logger } = this.options;
    const type = accepted.type || fetchedType;
    const definition = this.definitions.get(type);
    const fields = { ...ref, type };
    if (!definition) {
      logger.error(fields, "claim accepted for a job type this agent does not serve: failing it");
      this.metrics.attemptFinished(type, "failed", 0);
      await this.report(ref, {
        kind: "failed",
        report: create(FailJobSchema, {
          ref,
          error: { code: ErrorCode.PROVIDER_ERROR, message: `this agent does not serve job type "${type}"`, retryable: true, failedPhase: JobPhase.PROCESS },
        }),
      });
      return;
    }
    const env: AttemptEnvironment = {
      clock: this.clock,
      progressThrottleMs: this.options.session.settings?.progressThrottleMs ?? 1000,
      sendProgress: (r, update) => void this.options.session.send({ case: "progress", value: { ref: r, progress: update } }),
      transfer: this.options.transfer ?? httpFileTransfer,
      workspace: this.options.workspace ?? tempWorkspace,
      onLog: (r, line) => logger.debug({ ...r, line }, "handler log"),
    };
    const startedAt = this.clock.now();
    const run = startAttempt(
      definition,
      {
        ...ref,
        type,
        params: accepted.params ?? {},
        inputs: accepted.inputs.map((i) => ({ name: i.name, url: i.url, contentType: i.contentType })),
        outputUploadUrl: accepted.outputUploadUrl,
        deadlineMs: accepted.deadline ? timestampMs(accepted.deadline) : undefined,
      },
      env,
    );
    this.attempts.add(run);
    try {
      if (this.graceExpired) run.shutdown();
      logger.info(fields, "attempt started");
      const outcome = await run.outcome;
      this.metrics.attemptFinished(type, attemptOutcomeLabel(outcome, run.abortCause), (this.clock.now() - startedAt) / 1000);
      const error = outcome.kind === "failed" ? outcome.report.error : undefined;
      logger.info(
        { ...fields, outcome: outcome.kind, ...(error ? { code: ErrorCode[error.code], reason: error.message } : {}) },
        "attempt finished",
      );
      await this.report(ref, outcome);
    } finally {
      this.attempts.delete(run);
    }
  }

  /** Delivers a result until the control plane acknowledges it (result-delivery.ts). */
  private report(ref: AttemptRef, outcome: AttemptOutcome): Promise<void> {
    return deliverResult(
      {
        session: this.options.session,
        logger: this.options.logger,
        clock: this.clock,
        timeoutMs: this.options.reportTimeoutMs ?? 10_000,
        retryBackoff: this.retryBackoff,
        stopSignal: this.closing.signal,
      },
      ref,
      outcome,
    );
  }

  private onCancel(cancel: CancelAttempt): void {
    const ref = { jobId: cancel.ref?.jobId ?? "", attempt: cancel.ref?.attempt ?? 0 };
    const result = this.attempts.cancel(ref, cancel.reason || "cancelled");
    this.options.logger.info({ ...ref, reason: cancel.reason, result }, "cancel received");
  }

  private scheduleHeartbeat(): void {
    const interval = this.options.session.settings?.heartbeatIntervalMs ?? 5000;
    this.heartbeatTimer = this.clock.setTimeout(() => {
      if (this.heartbeatsStopped) return;
      this.sendHeartbeat();
      this.scheduleHeartbeat();
    }, interval);
  }

  private sendHeartbeat(): void {
    const running = this.attempts.refs();
    const freeSlots = Math.max(0, this.slots.total - running.length - this.claiming);
    this.options.session.send({ case: "heartbeat", value: { running, freeSlots } });
  }
}
