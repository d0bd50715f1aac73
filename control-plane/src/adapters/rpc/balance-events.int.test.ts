import { Code, ConnectError } from "@connectrpc/connect";
import { jetstream } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { AdminService } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { BALANCE_SUBJECT_TOKEN } from "../../../../proto/nats/names.js";
import { startTestControlPlane, TEST_ADMIN_TOKEN } from "../../../../test/support/control-plane.js";
import { seedApiKey, seedJobType, seedOrg } from "../../../../test/support/db-fixtures.js";
import { useDeferredCleanup } from "../../../../test/support/deferred-cleanup.js";
import { eventually } from "../../../../test/support/job-lifecycle.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { readJobEvents } from "../../../../test/support/read-job-events.js";

const TYPE = "test.balance";

describe("balance events end to end: outbox → sequence → JetStream and WatchJobs", () => {
  const db = useTestDatabase({ poolSize: 20 });
  const defer = useDeferredCleanup();

  it("streams balance.low / balance.depleted to WatchJobs and JetStream, never to WatchJob or a typed WatchJobs", async () => {
    const cp = await startTestControlPlane({
      databaseUrl: db.url,
      env: { JOBPLANE_SEQUENCER_INTERVAL_MS: "200", JOBPLANE_RELAY_INTERVAL_MS: "200" },
    });
    defer(() => cp.close());
    await seedJobType(db.orm, { name: TYPE, baseCredits: 30, creditsPerSecond: 0 });
    const orgId = await seedOrg(db.orm, { credits: 150 }); // threshold: the default 100
    const { secret } = await seedApiKey(db.orm, orgId);
    const jobs = cp.client(JobService, secret);
    const admin = cp.client(AdminService, TEST_ADMIN_TOKEN);
    const submit = async () => (await jobs.submitJob({ type: TYPE })).job!.id;

    // A first job, to have a sequence to watch after (after_sequence 0 would mean "from now").
    const first = await submit(); // 120
    const head = await readJobEvents(jobs.watchJob({ id: first }), (seen) => seen.length === 1);
    const start = head.events[0]!.sequence;

    const orgWide = jobs.watchJobs({ afterSequence: start });
    const typed = jobs.watchJobs({ afterSequence: start, types: [TYPE] });

    const crossing = [await submit()]; // 90: balance.low
    for (let i = 0; i < 3; i++) crossing.push(await submit()); // 60, 30, 0: balance.depleted
    const refused = await jobs.submitJob({ type: TYPE }).catch((err: unknown) => ConnectError.from(err));
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).code).toBe(Code.FailedPrecondition);
    await admin.topUpCredits({ orgId, amount: 200n, memo: "top-up" }); // 200: re-armed, nothing fires
    for (let i = 0; i < 4; i++) crossing.push(await submit()); // 170, 140, 110, 80: balance.low

    const all = await readJobEvents(orgWide, (seen) => seen.length === 8 + 3);
    expect(all.events.map((e) => e.type)).toEqual([
      "job.created",
      "balance.low",
      "job.created",
      "job.created",
      "job.created",
      "balance.depleted",
      "job.created",
      "job.created",
      "job.created",
      "job.created",
      "balance.low",
    ]);
    const sequences = all.events.map((e) => Number(e.sequence));
    expect(sequences).toEqual(sequences.map((_, i) => Number(start) + 1 + i)); // gap-free, one timeline
    const balanceEvents = all.events.filter((e) => e.type.startsWith("balance."));
    for (const e of balanceEvents) {
      expect(e).toMatchObject({ orgId, jobId: "", status: JobStatus.UNSPECIFIED, attempt: 0 });
      expect(e.id).toMatch(/^evt_/);
      expect(e.job).toBeUndefined();
      expect(e.occurredAt).toBeDefined();
    }
    expect(balanceEvents.map((e) => e.balance && { ...e.balance, $typeName: undefined })).toEqual([
      { $typeName: undefined, balance: 150n, held: 60n, available: 90n, threshold: 100n },
      { $typeName: undefined, balance: 150n, held: 150n, available: 0n, threshold: 0n },
      { $typeName: undefined, balance: 350n, held: 270n, available: 80n, threshold: 100n },
    ]);

    // Filtered by job type: only the jobs' events.
    const onlyJobs = await readJobEvents(typed, (seen) => seen.length === 8);
    expect(onlyJobs.events.every((e) => e.type === "job.created")).toBe(true);

    // One job, even the one whose hold crossed: never a balance event. Cancelling ends its stream
    // (and releases its hold: available rises, nothing fires).
    await jobs.cancelJob({ id: crossing[0] });
    const one = await readJobEvents(jobs.watchJob({ id: crossing[0] }));
    expect(one.ended).toBe(true);
    expect(one.events.map((e) => e.type)).toEqual(["job.created", "job.cancelled"]);

    // JetStream: on jobplane.events.<orgId>.balance, read by a plain ordered consumer.
    const js = jetstream(cp.nats.nc);
    const subject = cp.nats.names.eventSubject(orgId, BALANCE_SUBJECT_TOKEN);
    const received = await eventually("the balance events on JetStream", async () => {
      const consumer = await js.consumers.get(cp.nats.names.eventsStream, { filter_subjects: subject });
      const out: { subject: string; msgId?: string; type?: string; body: Record<string, unknown> }[] = [];
      for (;;) {
        const m = await consumer.next({ expires: 1000 });
        if (m === null) break;
        out.push({
          subject: m.subject,
          msgId: m.headers?.get("Nats-Msg-Id"),
          type: m.headers?.get("Jobplane-Event-Type"),
          body: JSON.parse(m.string()) as Record<string, unknown>,
        });
        if (m.info.pending === 0) break;
      }
      await consumer.delete().catch(() => undefined);
      return out.length === 3 ? out : undefined;
    });
    expect(received.map((r) => [r.subject, r.type, r.msgId])).toEqual(
      balanceEvents.map((e) => [subject, e.type, e.id]),
    );
    expect(received[0]!.body).toEqual({
      id: balanceEvents[0]!.id,
      sequence: String(balanceEvents[0]!.sequence),
      orgId,
      type: "balance.low",
      occurredAt: expect.any(String),
      balance: { balance: "150", held: "60", available: "90", threshold: "100" },
    });
    // Canonical Protobuf JSON leaves out zero fields: a depleted snapshot has no available/threshold.
    expect(received[1]!.body.balance).toEqual({ balance: "150", held: "150" });
  });
});
