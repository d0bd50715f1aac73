/**
 * `jobplane migrate`: applies the forward-only migrations to DATABASE_URL,
 * creating the database first if the server does not have it. Prints what it
 * applied as JSON; a second run prints an empty list.
 */
import { ensureDatabase } from "./adapters/postgres/ensure-database.js";
import { migrate } from "./adapters/postgres/migrate.js";
import { DEFAULT_DATABASE_URL } from "./config.js";

export async function runMigrate(_argv: string[]): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const created = await ensureDatabase(databaseUrl);
  const { applied } = await migrate(databaseUrl);
  process.stdout.write(`${JSON.stringify({ createdDatabase: created, applied })}\n`);
}
