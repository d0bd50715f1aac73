/**
 * The MikroORM factory. One ORM (one connection pool) per process and
 * database; every unit of work runs on its own `orm.em.fork()` — the global
 * EntityManager refuses to be used (allowGlobalContext: false).
 */
import { MikroORM } from "@mikro-orm/postgresql";
import { Migrator } from "@mikro-orm/migrations";
import { ALL_ENTITIES } from "./entities/all-entities.js";
import { MIGRATIONS } from "./migrations/migration-list.js";

export type Orm = MikroORM;

export interface OrmOptions {
  /**
   * Maximum pooled connections (default 10). Concurrency beyond it waits for
   * a connection; tests that race N transactions need at least N.
   */
  readonly poolSize?: number;
  /** Log every SQL statement (default: env JOBPLANE_SQL_DEBUG=1). */
  readonly debug?: boolean;
}

/** Builds the ORM for `databaseUrl` with the explicit entity and migration lists. */
export async function createOrm(databaseUrl: string, options: OrmOptions = {}): Promise<Orm> {
  return MikroORM.init({
    clientUrl: databaseUrl,
    entities: [...ALL_ENTITIES],
    allowGlobalContext: false,
    pool: { min: 0, max: options.poolSize ?? 10 },
    debug: options.debug ?? process.env.JOBPLANE_SQL_DEBUG === "1",
    extensions: [Migrator],
    migrations: {
      migrationsList: [...MIGRATIONS],
      snapshot: false,
      silent: true,
      transactional: true,
      allOrNothing: true,
    },
  });
}
