/**
 * Applies pending migrations (forward-only). Safe to run from several
 * processes at once: a session advisory lock serialises them, and a run that
 * finds nothing pending applies nothing.
 */
import { createOrm } from "./orm.js";

/** Arbitrary constant shared by every migrator of this schema ("jobplane" in ASCII, truncated). */
const MIGRATION_LOCK_KEY = 0x6a6f62706c616e;

export async function migrate(databaseUrl: string): Promise<{ applied: string[] }> {
  // One connection: the advisory lock is per session, so the lock, the
  // migrations and the unlock must all run on the same one.
  const orm = await createOrm(databaseUrl, { poolSize: 1 });
  try {
    const em = orm.em.fork();
    await em.execute("select pg_advisory_lock(?)", [MIGRATION_LOCK_KEY]);
    try {
      const applied = await orm.migrator.up();
      return { applied: applied.map((m) => m.name) };
    } finally {
      await em.execute("select pg_advisory_unlock(?)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await orm.close();
  }
}
