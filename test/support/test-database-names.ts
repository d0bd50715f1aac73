/**
 * Names of the databases tests make, and how old they are. A test database
 * carries its creation time in its name, so a later run can drop the ones a
 * crashed run left behind without any bookkeeping table.
 *
 *   jobplane_tpl_<hash>            migrated template, one per migration set (kept)
 *   jobplane_build_<time>_<rand>   a template being built (renamed when done)
 *   jobplane_test_<time>_<rand>    one test's database
 */
import { randomBytes } from "node:crypto";

const TEST_PREFIX = "jobplane_test_";
const BUILD_PREFIX = "jobplane_build_";

export function templateDatabaseName(migrationsHash: string): string {
  return `jobplane_tpl_${migrationsHash}`;
}

function stamped(prefix: string, now: Date): string {
  return `${prefix}${now.getTime().toString(36)}_${randomBytes(4).toString("hex")}`;
}

export function newTestDatabaseName(now = new Date()): string {
  return stamped(TEST_PREFIX, now);
}

export function newBuildDatabaseName(now = new Date()): string {
  return stamped(BUILD_PREFIX, now);
}

/** LIKE patterns matching every test and build database (for listing). */
export const TEMPORARY_DATABASE_PATTERNS = [`${TEST_PREFIX}%`, `${BUILD_PREFIX}%`] as const;

/** When a test or build database was made, or undefined if `name` is not one. */
export function temporaryDatabaseCreatedAt(name: string): Date | undefined {
  const prefix = [TEST_PREFIX, BUILD_PREFIX].find((p) => name.startsWith(p));
  if (prefix === undefined) return undefined;
  const stamp = name.slice(prefix.length).split("_")[0] ?? "";
  const ms = Number.parseInt(stamp, 36);
  return /^[0-9a-z]+$/.test(stamp) && Number.isSafeInteger(ms) ? new Date(ms) : undefined;
}
