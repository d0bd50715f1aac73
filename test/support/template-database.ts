/**
 * The migrated template database that every test database is cloned from.
 * Built once per migration set and reused by later runs.
 *
 * Races (two vitest runs, or several worktrees on one server) are settled by
 * PostgreSQL itself: each builder migrates a privately named database and
 * renames it to the template's name when done. Only a complete template ever
 * has that name; a builder that loses the rename drops its copy and uses the
 * winner's. No lock is held while migrating.
 */
import { migrate } from "../../control-plane/src/adapters/postgres/migrate.js";
import { databaseUrl, ident, withPostgresAdmin } from "./postgres-admin.js";
import { migrationsHash } from "./migrations-hash.js";
import {
  newBuildDatabaseName,
  TEMPORARY_DATABASE_PATTERNS,
  temporaryDatabaseCreatedAt,
  templateDatabaseName,
} from "./test-database-names.js";

const DUPLICATE_DATABASE = "42P04";

async function databaseExists(
  admin: { execute<T>(sql: string, params?: readonly unknown[]): Promise<T[]> },
  name: string,
): Promise<boolean> {
  const rows = await admin.execute<{ found: number }>("select 1 as found from pg_database where datname = ?", [name]);
  return rows.length > 0;
}

/** Returns the template's name, building it first if this migration set has none yet. */
export async function ensureTemplateDatabase(adminUrl: string): Promise<string> {
  const template = templateDatabaseName(await migrationsHash());
  return withPostgresAdmin(async (admin) => {
    if (await databaseExists(admin, template)) return template;
    const build = newBuildDatabaseName();
    await admin.execute(`create database ${ident(build)} template template0`);
    try {
      await migrate(databaseUrl(adminUrl, build));
      await admin.execute(`alter database ${ident(build)} rename to ${ident(template)}`);
    } catch (err) {
      await admin.execute(`drop database if exists ${ident(build)} with (force)`);
      if ((err as { code?: unknown }).code === DUPLICATE_DATABASE) return template;
      throw err;
    }
    // A stray session on the template (say, someone's psql) would make every
    // clone fail with "source database is being accessed by other users".
    await admin.execute(`alter database ${ident(template)} with allow_connections false`);
    return template;
  }, adminUrl);
}

/**
 * Drops test and build databases made more than `maxAgeMs` ago: what crashed
 * or killed runs left behind. Younger ones may belong to a run in progress.
 */
export async function dropStaleTestDatabases(adminUrl: string, maxAgeMs: number, now = new Date()): Promise<string[]> {
  return withPostgresAdmin(async (admin) => {
    const rows = await admin.execute<{ datname: string }>(
      "select datname from pg_database where datname like ? or datname like ?",
      [...TEMPORARY_DATABASE_PATTERNS],
    );
    const stale = rows
      .map((r) => r.datname)
      .filter((name) => {
        const createdAt = temporaryDatabaseCreatedAt(name);
        return createdAt !== undefined && now.getTime() - createdAt.getTime() > maxAgeMs;
      });
    for (const name of stale) await admin.execute(`drop database if exists ${ident(name)} with (force)`);
    return stale;
  }, adminUrl);
}
