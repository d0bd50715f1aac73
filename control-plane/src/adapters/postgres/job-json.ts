/**
 * Shapes of the jobs table's JSON columns. Enum values are stored by name
 * ("PROVIDER_ERROR", "PROCESS"), never by number, so a renumbered or unknown
 * value cannot silently change meaning in old rows.
 */

/** One input file of a job. */
export interface StoredInput {
  readonly name: string;
  readonly url: string;
  readonly sizeBytes: number;
  readonly contentType: string;
}

/** The latest progress report of the running attempt. */
export interface StoredProgress {
  readonly percent: number;
  readonly step: string;
  readonly message: string;
}

/** One named step of the running attempt, as the agent moved through them. */
export interface StoredStep {
  readonly name: string;
  /** ISO-8601. */
  readonly startedAt: string;
  /** ISO-8601; absent while the step runs. */
  readonly finishedAt?: string;
}

/** Why the job failed. */
export interface StoredError {
  /** An ErrorCode name, e.g. "PROVIDER_ERROR". */
  readonly code: string;
  readonly message: string;
  readonly detail: string;
  /** From the error table: whether a manual retry may succeed. */
  readonly retryable: boolean;
  /** A JobPhase name, e.g. "PROCESS". */
  readonly phase: string;
}

/** What the job produced: files (by storage key / URL) and/or JSON data. */
export type StoredOutput = Readonly<Record<string, unknown>>;
