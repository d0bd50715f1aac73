/**
 * One database per test, cloned from the migrated template
 * (`CREATE DATABASE … TEMPLATE …`, a file copy: milliseconds, not a
 * migration run), and dropped afterwards — so test files run in parallel and
 * leave nothing behind. Needs the integration project's global setup.
 */
import { afterEach, beforeEach, expect, inject } from "vitest";
import { checkLedgerInvariants } from "../../control-plane/src/adapters/postgres/ledger-invariants.js";
import { createOrm, type Orm } from "../../control-plane/src/adapters/postgres/orm.js";
import { databaseUrl, ident, TEST_ADMIN_DATABASE_URL, withPostgresAdmin } from "./postgres-admin.js";
import { newTestDatabaseName } from "./test-database-names.js";
import "./provided.js";

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** An empty database (no migrations applied) instead of a clone of the template. */
  readonly empty?: boolean;
}

function templateName(): string {
  const template = inject("jobplaneTemplateDatabase");
  if (!template) {
    throw new Error(
      "no template database: createTestDatabase() runs only in the integration project " +
        "(test/support/global-setup.ts builds the template); name the file *.int.test.ts",
    );
  }
  return template;
}

export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const source = options.empty ? "template0" : templateName();
  const name = newTestDatabaseName();
  await withPostgresAdmin(
    (admin) => admin.execute(`create database ${ident(name)} template ${ident(source)}`),
    TEST_ADMIN_DATABASE_URL,
  );
  let dropped = false;
  return {
    name,
    url: databaseUrl(TEST_ADMIN_DATABASE_URL, name),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withPostgresAdmin(
        (admin) => admin.execute(`drop database if exists ${ident(name)} with (force)`),
        TEST_ADMIN_DATABASE_URL,
      );
    },
  };
}

export interface UseTestDatabaseOptions {
  /** Pool size of the test's ORM (default 10); racing N transactions needs N. */
  readonly poolSize?: number;
  /** Fail the test if the credit invariants do not hold at its end (default true). */
  readonly checkLedger?: boolean;
}

export interface TestDatabaseHandle {
  /** The current test's database URL. */
  readonly url: string;
  /** An ORM on it, closed after the test. */
  readonly orm: Orm;
}

/**
 * Gives every test in the file its own migrated database and ORM. After each
 * test: audits the credit invariants, closes the ORM, drops the database.
 */
export function useTestDatabase(options: UseTestDatabaseOptions = {}): TestDatabaseHandle {
  let db: TestDatabase | undefined;
  let orm: Orm | undefined;

  beforeEach(async () => {
    db = await createTestDatabase();
    orm = await createOrm(db.url, { poolSize: options.poolSize ?? 10 });
  });

  afterEach(async () => {
    let violations: string[] = [];
    try {
      if (orm && (options.checkLedger ?? true)) violations = await checkLedgerInvariants(orm);
    } finally {
      await orm?.close();
      await db?.drop();
      orm = undefined;
      db = undefined;
    }
    expect(violations, "credit ledger invariants").toEqual([]);
  });

  return {
    get url() {
      if (!db) throw new Error("useTestDatabase(): no database outside a test");
      return db.url;
    },
    get orm() {
      if (!orm) throw new Error("useTestDatabase(): no ORM outside a test");
      return orm;
    },
  };
}
