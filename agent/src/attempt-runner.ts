/**
 * Runs one attempt of one job: download inputs → run the handler → upload
 * outputs, under the attempt's own AbortController, and turns whatever happens
 * into the one report the control plane gets (CompleteJob or FailJob). It
 * does no network I/O of its own beyond the FileTransfer it is given and
 * sends nothing but progress: the worker delivers the outcome.
 *
 * States of an AttemptRun:
 *   running  → completed   handler returned and outputs uploaded   → CompleteJob{output, usage_seconds}
 *   running  → failed      handler threw ValidationFailure          → FailJob{VALIDATION_ERROR, not retryable}
 *                          handler / download / upload threw        → FailJob{PROVIDER_ERROR, detail = log tail}
 *   running  → aborted     timeout (claim deadline or the type's maxExecutionSeconds, whichever first)
 *                                                                   → FailJob{PROVIDER_TIMEOUT}
 *                          cancel(reason) (a CancelAttempt)         → FailJob{cancelled, code UNSPECIFIED, "cancelled"}
 *                          shutdown() (grace period over)           → FailJob{PROVIDER_ERROR "agent shutting down", retryable}
 * Invariants: exactly one outcome per attempt; the first abort cause wins and
 * later ones change nothing; an aborted attempt reports at once, without
 * waiting for a handler that ignores its signal (its workspace is removed when
 * it finally settles); progress stops the moment the attempt ends.
 */
import { create, type JsonObject } from "@bufbuild/protobuf";
import {
  CompleteJobSchema,
  FailJobSchema,
  type CompleteJob,
  type FailJob,
} from "../../proto/gen/jobplane/v1/agent_service_pb.js";
import { ErrorCode } from "../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase } from "../../proto/gen/jobplane/v1/job_pb.js";
import type { Clock } from "./clock.js";
import type { AttemptWorkspace, FileTransfer, InputSource, UploadedOutput, WorkspaceFactory } from "./file-transfer.js";
import {
  ValidationFailure,
  type AnyJobTypeDefinition,
  type HandlerContext,
  type HandlerResult,
  type LocalInput,
} from "./job-type-definition.js";
import { LogTail, tailBytes } from "./log-tail.js";
import { normaliseProgress, ProgressThrottle, type ProgressUpdate } from "./progress-throttle.js";

/** One attempt of one job: the key of everything the agent does for it. */
export interface AttemptRef {
  readonly jobId: string;
  readonly attempt: number;
}

/** "jobId/attempt": a cancel for attempt 1 never matches attempt 2. */
export function attemptKey(ref: AttemptRef): string {
  return `${ref.jobId}/${ref.attempt}`;
}

/** What the claim handed the agent. */
export interface AttemptSpec extends AttemptRef {
  readonly type: string;
  readonly params: JsonObject;
  readonly inputs: readonly InputSource[];
  /** Presigned upload prefix: outputs go to PUT <prefix><name>. */
  readonly outputUploadUrl: string;
  /** The claim's deadline (ms since epoch); undefined when the claim set none. */
  readonly deadlineMs: number | undefined;
}

export interface AttemptEnvironment {
  readonly clock: Clock;
  /** Least time between two progress messages of this attempt. */
  readonly progressThrottleMs: number;
  readonly sendProgress: (ref: AttemptRef, update: ProgressUpdate) => void;
  readonly transfer: FileTransfer;
  readonly workspace: WorkspaceFactory;
  /** Every line the handler logs (the runner keeps only a tail for the error detail). */
  readonly onLog?: (ref: AttemptRef, line: string) => void;
}

export type AbortCause =
  | { readonly kind: "cancelled"; readonly reason: string }
  | { readonly kind: "timeout"; readonly limit: "deadline" | "max-execution"; readonly afterMs: number }
  | { readonly kind: "shutdown" };

export type AttemptOutcome =
  | { readonly kind: "completed"; readonly report: CompleteJob }
  | { readonly kind: "failed"; readonly report: FailJob };

export class AttemptRun implements AttemptRef {
  readonly jobId: string;
  readonly attempt: number;
  readonly key: string;
  /** Resolves once with the attempt's report; never rejects. */
  readonly outcome: Promise<AttemptOutcome>;
  private readonly controller = new AbortController();
  private cause: AbortCause | undefined;
  private ended = false;

  constructor(
    private readonly definition: AnyJobTypeDefinition,
    private readonly spec: AttemptSpec,
    private readonly env: AttemptEnvironment,
  ) {
    this.jobId = spec.jobId;
    this.attempt = spec.attempt;
    this.key = attemptKey(spec);
    this.outcome = this.execute();
  }

  /** True once the outcome is decided. */
  get settled(): boolean {
    return this.ended;
  }

  get abortCause(): AbortCause | undefined {
    return this.cause;
  }

  /** Aborts the attempt because the control plane cancelled it. False when it had already ended. */
  cancel(reason: string): boolean {
    return this.abort({ kind: "cancelled", reason });
  }

  /** Aborts the attempt because the agent is stopping. False when it had already ended. */
  shutdown(): boolean {
    return this.abort({ kind: "shutdown" });
  }

  private abort(cause: AbortCause): boolean {
    if (this.ended || this.cause) return false;
    this.cause = cause;
    this.controller.abort(new AttemptAborted(cause));
    return true;
  }

  private async execute(): Promise<AttemptOutcome> {
    const { clock } = this.env;
    const signal = this.controller.signal;
    const startedAt = clock.now();
    const maxMs = this.definition.maxExecutionSeconds * 1000;
    const limit = this.spec.deadlineMs !== undefined && this.spec.deadlineMs - startedAt < maxMs ? "deadline" : "max-execution";
    const allowedMs = limit === "deadline" ? this.spec.deadlineMs! - startedAt : maxMs;
    const timer = clock.setTimeout(() => this.abort({ kind: "timeout", limit, afterMs: allowedMs }), allowedMs);
    const ref: AttemptRef = { jobId: this.spec.jobId, attempt: this.spec.attempt };
    const throttle = new ProgressThrottle(clock, this.env.progressThrottleMs, (u) => this.env.sendProgress(ref, u));
    const tail = new LogTail();
    let phase = JobPhase.DOWNLOAD;
    let workspace: AttemptWorkspace | undefined;
    let handlerSettled: Promise<unknown> = Promise.resolve();
    try {
      workspace = await this.env.workspace(`${this.spec.jobId}-${this.spec.attempt}`);
      const inputs: Record<string, LocalInput> = {};
      for (const input of this.spec.inputs) {
        inputs[input.name] = await this.untilAborted(this.env.transfer.download(input, workspace.inputDir, signal));
      }
      phase = JobPhase.PROCESS;
      this.throwIfAborted();
      const ctx: HandlerContext<unknown> = {
        jobId: this.spec.jobId,
        attempt: this.spec.attempt,
        params: this.definition.parseParams(this.spec.params),
        inputs,
        outputDir: workspace.outputDir,
        signal,
        clock,
        progress: (percent, step, message) => {
          const update = normaliseProgress(percent, step, message);
          if (update && !this.ended) throttle.push(update);
        },
        log: (line) => {
          if (this.ended) return;
          tail.push(String(line));
          this.env.onLog?.(ref, String(line));
        },
      };
      // Through a promise so a handler that throws synchronously fails like one that rejects.
      const running = Promise.resolve().then(() => this.definition.run(ctx));
      handlerSettled = running.catch(() => undefined);
      const result: HandlerResult = (await this.untilAborted(running)) ?? {};
      phase = JobPhase.UPLOAD;
      const files: UploadedOutput[] = [];
      for (const file of result.files ?? []) {
        if (!this.spec.outputUploadUrl) throw new Error(`output "${file.name}": the claim carried no upload URL`);
        files.push(await this.untilAborted(this.env.transfer.upload(file, this.spec.outputUploadUrl + file.name, signal)));
      }
      this.throwIfAborted();
      const metaByName = new Map((result.files ?? []).map((f) => [f.name, f.meta]));
      return {
        kind: "completed",
        report: create(CompleteJobSchema, {
          ref: { jobId: this.spec.jobId, attempt: this.spec.attempt },
          output: {
            ...(result.data ? { data: result.data } : {}),
            files: files.map((f) => ({
              name: f.name,
              contentType: f.contentType,
              sizeBytes: BigInt(f.sizeBytes),
              ...(metaByName.get(f.name) ? { meta: metaByName.get(f.name)! } : {}),
            })),
          },
          usageSeconds: (clock.now() - startedAt) / 1000,
        }),
      };
    } catch (err) {
      return { kind: "failed", report: this.cause ? this.abortedReport(this.cause, phase, tail) : this.failedReport(err, phase, tail) };
    } finally {
      this.ended = true;
      clock.clearTimeout(timer);
      throttle.close();
      if (workspace) {
        const ws = workspace;
        void handlerSettled.then(() => ws.dispose()).catch(() => undefined);
      }
    }
  }

  private abortedReport(cause: AbortCause, phase: JobPhase, tail: LogTail): FailJob {
    const ref = { jobId: this.spec.jobId, attempt: this.spec.attempt };
    switch (cause.kind) {
      case "cancelled":
        return create(FailJobSchema, {
          ref,
          cancelled: true,
          error: { code: ErrorCode.UNSPECIFIED, message: "cancelled", detail: cause.reason, retryable: false, failedPhase: phase },
        });
      case "timeout": {
        const message =
          cause.limit === "deadline"
            ? `the attempt passed its deadline (${Math.round(cause.afterMs / 1000)} s after it started)`
            : `the attempt exceeded ${this.definition.name}'s maximum execution time of ${this.definition.maxExecutionSeconds} s`;
        return create(FailJobSchema, {
          ref,
          error: { code: ErrorCode.PROVIDER_TIMEOUT, message, detail: tail.text(), retryable: true, failedPhase: phase },
        });
      }
      case "shutdown":
        return create(FailJobSchema, {
          ref,
          error: { code: ErrorCode.PROVIDER_ERROR, message: "agent shutting down", detail: tail.text(), retryable: true, failedPhase: phase },
        });
    }
  }

  private failedReport(err: unknown, phase: JobPhase, tail: LogTail): FailJob {
    const ref = { jobId: this.spec.jobId, attempt: this.spec.attempt };
    const message = err instanceof Error ? err.message || err.name : String(err);
    if (err instanceof ValidationFailure) {
      const violations = err.violations.map((v) => `${v.path}: ${v.description}`).join("\n");
      const detail = tailBytes([violations, tail.text()].filter(Boolean).join("\n"), 4096);
      return create(FailJobSchema, {
        ref,
        error: { code: ErrorCode.VALIDATION_ERROR, message, detail, retryable: false, failedPhase: phase },
      });
    }
    return create(FailJobSchema, {
      ref,
      error: { code: ErrorCode.PROVIDER_ERROR, message, detail: tail.text(), retryable: true, failedPhase: phase },
    });
  }

  private throwIfAborted(): void {
    if (this.controller.signal.aborted) throw this.controller.signal.reason;
  }

  /** `promise`, or a rejection as soon as the attempt aborts (the promise is left to settle on its own). */
  private untilAborted<T>(promise: Promise<T>): Promise<T> {
    const signal = this.controller.signal;
    promise.catch(() => undefined);
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (err) => {
          signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      );
    });
  }
}

/** The reason an attempt's signal carries. */
export class AttemptAborted extends Error {
  override readonly name = "AttemptAborted";
  constructor(readonly abortCause: AbortCause) {
    super(
      abortCause.kind === "cancelled"
        ? `cancelled: ${abortCause.reason}`
        : abortCause.kind === "timeout"
          ? "timed out"
          : "agent shutting down",
    );
  }
}

export function startAttempt(definition: AnyJobTypeDefinition, spec: AttemptSpec, env: AttemptEnvironment): AttemptRun {
  return new AttemptRun(definition, spec, env);
}
