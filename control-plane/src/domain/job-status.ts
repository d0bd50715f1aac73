/**
 * Names and classes of job statuses. The lowercase names are what the
 * database stores and what REST shows; the proto enum is what Connect
 * carries. Both tables are keyed by every JobStatus, so a new status fails
 * to compile until it has a name and a class. Statuses are never compared
 * by their numeric value: ask these tables instead.
 */
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";

const STATUS_NAMES = {
  [JobStatus.UNSPECIFIED]: "unspecified",
  [JobStatus.WAITING]: "waiting",
  [JobStatus.DISPATCHED]: "dispatched",
  [JobStatus.RUNNING]: "running",
  [JobStatus.COMPLETE]: "complete",
  [JobStatus.FAILED]: "failed",
  [JobStatus.CANCELLED]: "cancelled",
} as const satisfies Record<JobStatus, string>;

/** The stored / REST name of a status, e.g. "waiting". */
export type JobStatusName = (typeof STATUS_NAMES)[JobStatus];

const STATUS_BY_NAME: ReadonlyMap<string, JobStatus> = new Map(
  (Object.entries(STATUS_NAMES) as [string, JobStatusName][]).map(([value, name]) => [
    name,
    Number(value) as JobStatus,
  ]),
);

/**
 * Terminal = the job is not moving on its own and holds no credits.
 * FAILED counts as terminal even though a manual retry may revive it: until
 * someone asks, nothing more happens to it (watchers may stop, sweepers skip it).
 */
const TERMINAL = {
  [JobStatus.UNSPECIFIED]: false,
  [JobStatus.WAITING]: false,
  [JobStatus.DISPATCHED]: false,
  [JobStatus.RUNNING]: false,
  [JobStatus.COMPLETE]: true,
  [JobStatus.FAILED]: true,
  [JobStatus.CANCELLED]: true,
} as const satisfies Record<JobStatus, boolean>;

/**
 * The lowercase name stored in the database and shown over REST. A value
 * outside the enum (an open enum from a newer peer) yields "unspecified".
 */
export function statusName(status: JobStatus): JobStatusName {
  return (STATUS_NAMES as Partial<Record<number, JobStatusName>>)[status] ?? "unspecified";
}

/**
 * The inverse of statusName: exact lowercase names only (no trimming, no
 * case folding), undefined for anything else. "unspecified" parses to
 * JobStatus.UNSPECIFIED so the pair round-trips; callers reading user input
 * or database rows should treat UNSPECIFIED as invalid there.
 */
export function parseStatusName(text: string): JobStatus | undefined {
  return STATUS_BY_NAME.get(text);
}

/** True for COMPLETE, FAILED and CANCELLED (see TERMINAL for why FAILED). */
export function isTerminal(status: JobStatus): boolean {
  return (TERMINAL as Partial<Record<number, boolean>>)[status] ?? false;
}
