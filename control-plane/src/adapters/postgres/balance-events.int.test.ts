import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase, JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { seedAgent, seedJobType, seedOrg } from "../../../../test/support/db-fixtures.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { DomainError } from "../../domain/domain-error.js";
import { sequenceEvents } from "./event-sequencer.js";
import { createPgCreditLedger } from "./pg-credit-ledger.js";
import { createPgJobStore } from "./pg-job-store.js";

interface BalanceRow {
  event_id: string;
  type: string;
  job_id: string | null;
  attempt: number | null;
  status: string | null;
  payload: { balance: number; held: number; available: number; threshold: number };
  sequence: string | null;
}

describe("balance events (balance.low, balance.depleted) from credit movements", () => {
  const db = useTestDatabase({ poolSize: 25 });

  async function setup(credits: number, threshold?: number) {
    const orgId = await seedOrg(db.orm, { credits });
    if (threshold !== undefined) {
      await db.orm.em.fork().execute("update orgs set low_balance_credits = ? where id = ?", [threshold, orgId]);
    }
    const type = await seedJobType(db.orm, { maxExecutionSeconds: 60 });
    return { orgId, type, store: createPgJobStore(db.orm), ledger: createPgCreditLedger(db.orm) };
  }

  async function balanceRows(orgId: string): Promise<BalanceRow[]> {
    return db.orm.em
      .fork()
      .execute<BalanceRow[]>(
        `select event_id, type, job_id, attempt, status, payload, sequence::text as sequence
           from job_events where org_id = ? and type like 'balance.%' order by id`,
        [orgId],
      );
  }

  const types = (rows: readonly BalanceRow[]) => rows.map((r) => r.type);

  it("fires balance.low once when a hold crosses the threshold, balance.depleted once at 0, and re-arms after a top-up", async () => {
    const { orgId, type, store, ledger } = await setup(150);
    const submit = (credits: number) => store.submitJob({ orgId, type, estimatedCredits: credits });

    await submit(30); // 120
    await submit(20); // 100: on the threshold, not below
    expect(await balanceRows(orgId)).toEqual([]);
    const crossing = await submit(10); // 90
    await submit(10); // 80: already low
    let rows = await balanceRows(orgId);
    expect(rows).toEqual([
      expect.objectContaining({
        type: "balance.low",
        job_id: null,
        attempt: null,
        status: null,
        payload: { balance: 150, held: 60, available: 90, threshold: 100 },
      }),
    ]);
    expect(rows[0]!.event_id).toMatch(/^evt_[0-9a-f]{24}$/);
    // The balance event commits with the job's own event, right after it.
    const [created] = await db.orm.em
      .fork()
      .execute<{ id: string }[]>("select id::text as id from job_events where job_id = ?", [crossing.job.id]);
    const [low] = await db.orm.em
      .fork()
      .execute<{ id: string }[]>("select id::text as id from job_events where event_id = ?", [rows[0]!.event_id]);
    expect(BigInt(low!.id)).toBe(BigInt(created!.id) + 1n);

    await submit(79); // 1: low, not depleted
    await submit(1); // 0
    await expect(submit(1)).rejects.toMatchObject({ code: ErrorCode.INSUFFICIENT_CREDITS });
    rows = await balanceRows(orgId);
    expect(types(rows)).toEqual(["balance.low", "balance.depleted"]);
    expect(rows[1]!.payload).toEqual({ balance: 150, held: 150, available: 0, threshold: 0 });

    // A top-up below the threshold re-arms depleted only; one above re-arms low.
    await ledger.topUp(orgId, 50, "a little"); // 50
    await submit(50); // 0 again
    expect(types(await balanceRows(orgId))).toEqual(["balance.low", "balance.depleted", "balance.depleted"]);
    await ledger.topUp(orgId, 200, "invoice"); // 200: top-ups never fire
    expect(await balanceRows(orgId)).toHaveLength(3);
    await submit(101); // 99
    expect(types(await balanceRows(orgId))).toEqual(["balance.low", "balance.depleted", "balance.depleted", "balance.low"]);
    expect((await balanceRows(orgId))[3]!.payload).toEqual({ balance: 400, held: 301, available: 99, threshold: 100 });
  });

  it("fires nothing on settlement (capture or release only raise available), but again on a retry's hold", async () => {
    const { orgId, type, store } = await setup(120);
    const { job } = await store.submitJob({ orgId, type, estimatedCredits: 30 }); // 90: low
    const agentId = await seedAgent(db.orm, [type]);
    await store.applyEvent(job.id, { status: JobStatus.WAITING, attempt: 1 }, { kind: "published" });
    await store.applyEvent(job.id, { status: JobStatus.DISPATCHED, attempt: 1 }, { kind: "claimed", agentId });
    const reason = { code: ErrorCode.PROVIDER_ERROR, message: "boom", detail: "", phase: JobPhase.PROCESS };
    await store.applyEvent(job.id, { status: JobStatus.RUNNING, attempt: 1 }, { kind: "failed", reason }); // release: 120
    expect(types(await balanceRows(orgId))).toEqual(["balance.low"]);
    await store.applyEvent(job.id, { status: JobStatus.FAILED, attempt: 1 }, { kind: "retryRequested" }); // hold: 90
    expect(types(await balanceRows(orgId))).toEqual(["balance.low", "balance.low"]);
    await store.applyEvent(job.id, { status: JobStatus.WAITING, attempt: 2 }, { kind: "published" });
    await store.applyEvent(job.id, { status: JobStatus.DISPATCHED, attempt: 2 }, { kind: "claimed", agentId });
    await store.applyEvent(job.id, { status: JobStatus.RUNNING, attempt: 2 }, { kind: "completed", usageSeconds: 1 }, {
      actualCredits: 25,
    }); // capture 25, release 5: balance 95, available 95
    expect(types(await balanceRows(orgId))).toEqual(["balance.low", "balance.low"]);
  });

  it("uses the org's own threshold: 0 turns balance.low off, depleted still fires", async () => {
    const a = await setup(500, 400);
    await a.store.submitJob({ orgId: a.orgId, type: a.type, estimatedCredits: 150 }); // 350 < 400
    expect((await balanceRows(a.orgId)).map((r) => [r.type, r.payload.threshold])).toEqual([["balance.low", 400]]);

    const b = await setup(50, 0);
    await b.store.submitJob({ orgId: b.orgId, type: b.type, estimatedCredits: 49 });
    await b.store.submitJob({ orgId: b.orgId, type: b.type, estimatedCredits: 1 });
    expect(types(await balanceRows(b.orgId))).toEqual(["balance.depleted"]);
  });

  it("many submitters racing across the threshold and down to 0: exactly one of each", async () => {
    const { orgId, type, store } = await setup(120);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 140 }, () => store.submitJob({ orgId, type, estimatedCredits: 1 })),
    );
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(outcomes.length - refused.length).toBe(120);
    for (const r of refused) expect((r.reason as DomainError).code).toBe(ErrorCode.INSUFFICIENT_CREDITS);
    const rows = await balanceRows(orgId);
    expect(rows.map((r) => [r.type, r.payload.available])).toEqual([
      ["balance.low", 99],
      ["balance.depleted", 0],
    ]);
  });

  it("the sequencer numbers balance rows in the one timeline with the job rows", async () => {
    const { orgId, type, store } = await setup(101);
    await store.submitJob({ orgId, type, estimatedCredits: 2 }); // 99: low
    await store.submitJob({ orgId, type, estimatedCredits: 99 }); // 0: depleted
    await sequenceEvents(db.orm);
    const rows = await db.orm.em
      .fork()
      .execute<{ type: string; sequence: string }[]>("select type, sequence::text as sequence from job_events order by sequence");
    expect(rows.map((r) => [r.type, Number(r.sequence)])).toEqual([
      ["job.created", 1],
      ["balance.low", 2],
      ["job.created", 3],
      ["balance.depleted", 4],
    ]);
  });

  it("the table refuses a job event without its job, and a balance event with one", async () => {
    const { orgId, type, store } = await setup(10);
    const { job } = await store.submitJob({ orgId, type, estimatedCredits: 1 });
    const em = db.orm.em.fork();
    await expect(
      em.execute("insert into job_events (event_id, org_id, type, payload) values ('evt_x1', ?, 'job.created', '{}')", [orgId]),
    ).rejects.toThrow(/job_events_job_fields_check/);
    await expect(
      em.execute(
        "insert into job_events (event_id, org_id, job_id, attempt, type, status, payload) values ('evt_x2', ?, ?, 1, 'balance.low', 'waiting', '{}')",
        [orgId, job.id],
      ),
    ).rejects.toThrow(/job_events_job_fields_check/);
    await expect(em.execute("update orgs set low_balance_credits = -1 where id = ?", [orgId])).rejects.toThrow(
      /orgs_low_balance_credits_check/,
    );
  });
});
