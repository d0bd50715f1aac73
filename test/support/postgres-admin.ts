/**
 * A maintenance connection to the test PostgreSQL server (the `postgres`
 * database by default), for creating, cloning and dropping databases. One
 * connection (pool of 1), so session state such as advisory locks holds.
 */
import { MikroORM } from "@mikro-orm/postgresql";

/** The admin URL: env TEST_DATABASE_URL, else the local trust-auth server. */
export const TEST_ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

/** The same server and credentials as `adminUrl`, another database. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Double-quotes an identifier for SQL. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface PostgresAdmin {
  execute<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function openPostgresAdmin(adminUrl: string = TEST_ADMIN_DATABASE_URL): Promise<PostgresAdmin> {
  const orm = await MikroORM.init({
    clientUrl: adminUrl,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
    pool: { min: 0, max: 1 },
  });
  const em = orm.em.fork();
  return {
    execute: <T>(sql: string, params: readonly unknown[] = []) => em.execute<T[]>(sql, [...params]),
    close: () => orm.close(),
  };
}

/** Runs `fn` with an admin connection and closes it afterwards. */
export async function withPostgresAdmin<T>(fn: (admin: PostgresAdmin) => Promise<T>, adminUrl?: string): Promise<T> {
  const admin = await openPostgresAdmin(adminUrl);
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}
