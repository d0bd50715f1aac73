import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/support/test-database.js";
import { migrate } from "./migrate.js";
import { MIGRATIONS } from "./migrations/migration-list.js";
import { createOrm } from "./orm.js";

const TABLES = [
  "agents",
  "api_keys",
  "credit_accounts",
  "credit_ledger",
  "job_events",
  "job_types",
  "jobs",
  "orgs",
  "plans",
  "rate_limits",
  "webhook_deliveries",
  "webhook_delivery_attempts",
  "webhook_endpoints",
];

describe("migrate (jobplane migrate)", () => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it("applies every migration to an empty database, and nothing on a second run", async () => {
    db = await createTestDatabase({ empty: true });

    const first = await migrate(db.url);
    expect(first.applied).toEqual(MIGRATIONS.map((m) => m.name));
    const second = await migrate(db.url);
    expect(second.applied).toEqual([]);

    const orm = await createOrm(db.url, { poolSize: 1 });
    try {
      const em = orm.em.fork();
      const tables = await em.execute<{ table_name: string }[]>(
        "select table_name from information_schema.tables where table_schema = 'public' and table_name <> 'mikro_orm_migrations' order by 1",
      );
      expect(tables.map((t) => t.table_name)).toEqual(TABLES);
      const plans = await em.execute(
        "select name, requests_per_minute, max_concurrent_jobs, max_input_bytes::text as max_input_bytes, max_execution_seconds from plans order by name",
      );
      expect(plans).toEqual([
        { name: "free", requests_per_minute: 30, max_concurrent_jobs: 1, max_input_bytes: "104857600", max_execution_seconds: 300 },
        { name: "pro", requests_per_minute: 300, max_concurrent_jobs: 25, max_input_bytes: "2147483648", max_execution_seconds: 900 },
      ]);
    } finally {
      await orm.close();
    }
  });

  it("lets concurrent migrators through one at a time: the schema is applied exactly once", async () => {
    db = await createTestDatabase({ empty: true });
    const url = db.url;
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
  });

  it("leaves the entities and the migrated schema in agreement (no pending schema diff)", async () => {
    db = await createTestDatabase();
    const orm = await createOrm(db.url, { poolSize: 2 });
    try {
      // Notify triggers (event sequencing, dispatch nudges) live only in the
      // migrations: entities do not model triggers, so the diff would drop them.
      const diff = (await orm.schema.getUpdateSchemaSQL({ wrap: false }))
        .split("\n")
        .filter((line) => line.trim() !== "" && !/^drop (trigger|function) if exists "\w*notify\w*"/.test(line));
      expect(diff).toEqual([]);
    } finally {
      await orm.close();
    }
  });
});
