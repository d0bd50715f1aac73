/**
 * Global setup of the integration project (runs once per `vitest run`,
 * before any test file):
 *   1. PostgreSQL and NATS must answer, or the run stops with how to start them;
 *   2. test databases and NATS test streams older than an hour (left by
 *      crashed runs) are removed;
 *   3. the migrated template database is built, or reused if this migration
 *      set already has one, and handed to the test files (inject).
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { TestProject } from "vitest/node";
import { TEST_ADMIN_DATABASE_URL } from "./postgres-admin.js";
import { requireServices } from "./service-check.js";
import { dropStaleTestDatabases, ensureTemplateDatabase } from "./template-database.js";
import { TEST_NATS_URL } from "./test-nats.js";
import "./provided.js";

const LEFTOVER_AGE_MS = 60 * 60 * 1000;

/** Test streams are named T_<id>_…; delete those created more than an hour ago. */
async function deleteStaleTestStreams(natsUrl: string, maxAgeMs: number): Promise<void> {
  const nc = await connect({ servers: natsUrl, name: "jobplane-test-global-setup" });
  try {
    const jsm = await jetstreamManager(nc);
    const cutoff = Date.now() - maxAgeMs;
    const stale: string[] = [];
    for await (const info of jsm.streams.list()) {
      if (info.config.name.startsWith("T_") && Date.parse(info.created) < cutoff) stale.push(info.config.name);
    }
    await Promise.all(stale.map((name) => jsm.streams.delete(name)));
  } finally {
    await nc.close();
  }
}

export default async function setup(project: TestProject): Promise<void> {
  await requireServices(TEST_ADMIN_DATABASE_URL, TEST_NATS_URL);
  await Promise.all([
    dropStaleTestDatabases(TEST_ADMIN_DATABASE_URL, LEFTOVER_AGE_MS),
    deleteStaleTestStreams(TEST_NATS_URL, LEFTOVER_AGE_MS),
  ]);
  project.provide("jobplaneTemplateDatabase", await ensureTemplateDatabase(TEST_ADMIN_DATABASE_URL));
}
