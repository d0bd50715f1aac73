/**
 * The handler API: how built-in and users' own job types are written.
 *
 *   export const resize = defineJobType({
 *     name: "acme.resize",
 *     maxExecutionSeconds: 300,
 *     parseParams: (raw) => ({ width: Number(raw.width) }),
 *     async run(ctx) {
 *       ctx.progress(10, "decode");
 *       … read ctx.inputs.source.path, write into ctx.outputDir, honour ctx.signal …
 *       return { data: { width: ctx.params.width }, files: [{ name: "out.png", path, contentType: "image/png" }] };
 *     },
 *   });
 *
 * The control plane validates params against the catalog's JSON Schema before
 * a job is ever dispatched; `parseParams` is where a handler turns the JSON
 * into its own type and rejects what it still cannot use (throw
 * `validationError(...)` → the job fails with VALIDATION_ERROR, not retryable).
 * Anything else a handler throws fails the job with PROVIDER_ERROR, with the
 * tail of what it passed to `ctx.log` as the error's detail.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import type { Clock } from "./clock.js";

/** An input file, downloaded before `run` is called. */
export interface LocalInput {
  readonly name: string;
  /** Absolute path of the downloaded file. */
  readonly path: string;
  readonly contentType: string;
  readonly sizeBytes: number;
}

/** A file the handler wrote (usually under `ctx.outputDir`) for the agent to upload. */
export interface OutputFileSpec {
  /** The output's name; it is uploaded to `<output upload prefix><name>`. */
  readonly name: string;
  readonly path: string;
  readonly contentType?: string;
  /** Extra facts about the file (dimensions, duration, codec). */
  readonly meta?: JsonObject;
}

/** What a successful `run` returns. */
export interface HandlerResult {
  /** Structured output (e.g. ffprobe's report); reported as the job's output data. */
  readonly data?: JsonObject;
  readonly files?: readonly OutputFileSpec[];
}

export interface HandlerContext<P = JsonObject> {
  readonly jobId: string;
  readonly attempt: number;
  /** The job's params, as returned by the definition's `parseParams`. */
  readonly params: P;
  /** Downloaded inputs by name (e.g. `ctx.inputs.source.path`). */
  readonly inputs: Readonly<Record<string, LocalInput>>;
  /** An empty directory of this attempt's own, removed after the result is reported. */
  readonly outputDir: string;
  /** Reports progress (0–100); cheap to call often, the agent throttles what it sends. */
  progress(percent: number, step?: string, message?: string): void;
  /** One line of log or stderr; the last 4 KB become the error detail if the attempt fails. */
  log(line: string): void;
  /**
   * Aborts on cancel, on the attempt's deadline and on agent shutdown. A
   * handler must stop promptly (kill child processes, clear timers); the agent
   * reports the abort without waiting for it.
   */
  readonly signal: AbortSignal;
  /** The agent's clock: use it for timers so tests can drive time. */
  readonly clock: Clock;
}

export interface JobTypeDefinition<P = JsonObject> {
  readonly name: string;
  readonly description: string;
  /** JSON Schema (2020-12) of the params, as registered in the catalog. */
  readonly paramsSchema: JsonObject | undefined;
  /** The agent aborts an attempt after this long even if the claim's deadline is later. */
  readonly maxExecutionSeconds: number;
  /** Turns the (already schema-validated) JSON params into the handler's type. */
  parseParams(raw: JsonObject): P;
  run(ctx: HandlerContext<P>): Promise<HandlerResult | void>;
}

/** Any job type, with its params type erased (what registries hold). */
export type AnyJobTypeDefinition = JobTypeDefinition<unknown>;

export interface JobTypeSpec<P> {
  readonly name: string;
  readonly description?: string;
  readonly paramsSchema?: JsonObject;
  readonly maxExecutionSeconds: number;
  /** Defaults to passing the JSON object through unchanged. */
  readonly parseParams?: (raw: JsonObject) => P;
  run(ctx: HandlerContext<P>): Promise<HandlerResult | void>;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export function defineJobType<P = JsonObject>(spec: JobTypeSpec<P>): JobTypeDefinition<P> {
  if (!NAME.test(spec.name)) {
    throw new Error(`invalid job type name "${spec.name}": use lower-case letters, digits, ".", "_" and "-"`);
  }
  if (!Number.isInteger(spec.maxExecutionSeconds) || spec.maxExecutionSeconds <= 0) {
    throw new Error(`job type "${spec.name}": maxExecutionSeconds must be a positive integer`);
  }
  const parse = spec.parseParams ?? ((raw: JsonObject) => raw as unknown as P);
  return {
    name: spec.name,
    description: spec.description ?? "",
    paramsSchema: spec.paramsSchema,
    maxExecutionSeconds: spec.maxExecutionSeconds,
    parseParams: parse,
    run: (ctx) => spec.run(ctx),
  };
}

/** One invalid field of a job's params or inputs. */
export interface Violation {
  /** JSON pointer, e.g. "/params/seconds". */
  readonly path: string;
  readonly description: string;
}

/**
 * Thrown by a handler (or its parseParams) when the job's input cannot be
 * processed: the job fails with VALIDATION_ERROR and is not retryable.
 */
export class ValidationFailure extends Error {
  override readonly name = "ValidationFailure";
  readonly violations: readonly Violation[];

  constructor(message: string, violations: readonly Violation[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.violations = violations;
  }
}

/** Shorthand for `new ValidationFailure(...)`, for `throw validationError("…")`. */
export function validationError(message: string, violations: readonly Violation[] = []): ValidationFailure {
  return new ValidationFailure(message, violations);
}
