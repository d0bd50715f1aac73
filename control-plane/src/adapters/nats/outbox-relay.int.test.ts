import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureLogger } from "../../../../test/support/capture-logger.js";
import { seedJobType, seedOrg } from "../../../../test/support/db-fixtures.js";
import { COMPLETED_TIMELINE, driveToCompletion, eventually, submitJobs } from "../../../../test/support/job-lifecycle.js";
import { createTcpProxy } from "../../../../test/support/tcp-proxy.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { createTestNats, type TestNats } from "../../../../test/support/test-nats.js";
import { createEventSequencer, sequenceEvents } from "../postgres/event-sequencer.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";
import { createPgOutboxStore } from "../postgres/pg-outbox-queries.js";
import { createOutboxRelay } from "./outbox-relay.js";
import { ensureStreams } from "./streams.js";

/** One message as an outside subscriber sees it: nothing of jobplane's code, only NATS and JSON. */
interface Received {
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly eventType: string | undefined;
  readonly body: Record<string, unknown>;
}

/** Reads the whole stream with a plain ordered consumer. */
async function readAll(js: JetStreamClient, stream: string, subject: string): Promise<Received[]> {
  const consumer = await js.consumers.get(stream, { filter_subjects: subject });
  const out: Received[] = [];
  for (;;) {
    const m = await consumer.next({ expires: 1000 });
    if (m === null) return out;
    out.push({
      subject: m.subject,
      msgId: m.headers?.get("Nats-Msg-Id"),
      eventType: m.headers?.get("Jobplane-Event-Type"),
      body: JSON.parse(m.string()) as Record<string, unknown>,
    });
    if (m.info.pending === 0) return out;
  }
}

/** Events per job, in stream order. */
function timelines(received: readonly Received[]): Map<string, string[]> {
  const byJob = new Map<string, string[]>();
  for (const r of received) {
    const jobId = r.body.jobId as string;
    byJob.set(jobId, [...(byJob.get(jobId) ?? []), r.body.type as string]);
  }
  return byJob;
}

describe("outbox relay", () => {
  const db = useTestDatabase({ poolSize: 20 });
  let nats: TestNats;

  beforeEach(async () => {
    nats = await createTestNats();
    await ensureStreams(await jetstreamManager(nats.nc), nats.names);
  });
  afterEach(async () => nats.cleanup());

  async function makeJobs(count: number): Promise<string[]> {
    const orgId = await seedOrg(db.orm, { credits: 10_000 });
    const type = await seedJobType(db.orm, { name: `relay.${Math.random().toString(36).slice(2, 8)}` });
    const store = createPgJobStore(db.orm);
    const ids = await submitJobs(store, orgId, type, count);
    for (const id of ids) await driveToCompletion(db.orm, store, id, type);
    return ids;
  }

  async function unpublished(): Promise<number> {
    const [row] = await db.orm.em.fork().execute<{ n: number }[]>("select count(*)::int as n from job_events where published_at is null");
    return row!.n;
  }

  it("publishes every sequenced event once, in per-job order, as canonical JSON an outside consumer can read", async () => {
    const ids = await makeJobs(12);
    // Only sequenced rows go out.
    const relay = createOutboxRelay({ store: createPgOutboxStore(db.orm), js: jetstream(nats.nc), names: nats.names, logger: captureLogger().logger, batchSize: 7 });
    expect(await relay.runPass()).toMatchObject({ read: 0 });
    await sequenceEvents(db.orm);
    let passes = 0;
    while ((await relay.runPass()).read > 0) passes++;
    expect(passes).toBe(Math.ceil((12 * 5) / 7));
    expect(await unpublished()).toBe(0);

    const received = await readAll(jetstream(nats.nc), nats.names.eventsStream, nats.names.eventSubjects);
    expect(received).toHaveLength(60);
    const rows = await db.orm.em
      .fork()
      .execute<{ event_id: string; job_id: string; org_id: string; type: string; sequence: string }[]>(
        "select event_id, job_id, org_id, type, sequence::text from job_events order by sequence",
      );
    expect(received.map((r) => r.msgId).sort()).toEqual(rows.map((r) => r.event_id).sort());
    expect(received).toEqual(
      expect.arrayContaining(
        rows.map((row) =>
          expect.objectContaining({
            subject: nats.names.eventSubject(row.org_id, row.job_id),
            msgId: row.event_id,
            eventType: row.type,
            body: expect.objectContaining({ id: row.event_id, sequence: row.sequence, jobId: row.job_id, orgId: row.org_id, type: row.type }),
          }),
        ),
      ),
    );
    const byJob = timelines(received);
    for (const id of ids) expect(byJob.get(id)).toEqual([...COMPLETED_TIMELINE]);
    const completed = received.find((r) => r.eventType === "job.completed")!;
    expect(completed.body).toMatchObject({ status: "JOB_STATUS_COMPLETE", job: { status: "JOB_STATUS_COMPLETE" } });

    // A republish (marking lost) is dropped by JetStream within the dedup window.
    await db.orm.em.fork().execute("update job_events set published_at = null");
    while ((await relay.runPass()).read > 0);
    expect(await readAll(jetstream(nats.nc), nats.names.eventsStream, nats.names.eventSubjects)).toHaveLength(60);
  });

  it("keeps events while NATS is unreachable and delivers all of them once, in order, when it is back", async () => {
    const url = new URL(nats.url.replace(/^nats:/, "http:"));
    const proxy = await createTcpProxy(url.hostname, Number(url.port || 4222));
    const relayNc = await connect({ servers: `127.0.0.1:${proxy.port}`, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
    const log = captureLogger();
    const sequencer = createEventSequencer({ orm: db.orm, databaseUrl: db.url, logger: log.logger, intervalMs: 200 });
    const relay = createOutboxRelay({
      store: createPgOutboxStore(db.orm),
      js: jetstream(relayNc),
      names: nats.names,
      logger: log.logger,
      databaseUrl: db.url,
      intervalMs: 200,
      publishTimeoutMs: 500,
      maxRetryDelayMs: 200,
    });
    await sequencer.start();
    await relay.start();
    try {
      const before = await makeJobs(3);
      await eventually("the first events published", async () => ((await unpublished()) === 0 ? true : undefined));

      await proxy.stop(); // NATS is gone for the relay
      const during = await makeJobs(8);
      await log.waitFor("outbox relay: publishes failed");
      expect(await unpublished()).toBeGreaterThan(0);

      await proxy.start();
      await eventually("every event published after the outage", async () => ((await unpublished()) === 0 ? true : undefined), 20_000);

      const received = await readAll(jetstream(nats.nc), nats.names.eventsStream, nats.names.eventSubjects);
      const ids = received.map((r) => r.msgId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(received).toHaveLength((3 + 8) * 5);
      const byJob = timelines(received);
      for (const id of [...before, ...during]) expect(byJob.get(id)).toEqual([...COMPLETED_TIMELINE]);
    } finally {
      await relay.stop();
      await sequencer.stop();
      await relayNc.close();
      await proxy.stop();
    }
  });
});
