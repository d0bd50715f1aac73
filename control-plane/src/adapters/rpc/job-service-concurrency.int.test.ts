/**
 * Many SubmitJob calls racing through the real server for one balance and
 * for one idempotency key. The guarantees come from single guarded
 * statements in Postgres (the hold's `where balance - held >= amount`, the
 * idempotency key's unique index), not from any lock in the process, so
 * they hold across instances too.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { BillingService } from "../../../../proto/gen/jobplane/v1/billing_service_pb.js";
import { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { errorCodeOf, seedCaller, useJobApi } from "../../../../test/support/job-api.js";
import { checkLedgerInvariants } from "../postgres/ledger-invariants.js";

/** test.echo as seeded: 1 credit flat. */
const ECHO_PRICE = 1;

describe("SubmitJob under concurrency", () => {
  // Enough connections that the racing transactions really overlap.
  const api = useJobApi({ poolSize: 25 });

  it("accepts exactly as many of 200 racing submits as the balance covers (100)", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm, { credits: 100 * ECHO_PRICE });
    const jobs = api.cp.client(JobService, caller.key, "grpc");

    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        jobs.submitJob({ type: "test.echo", params: { i } }).then(
          (res) => ({ ok: true as const, id: res.job?.id ?? "" }),
          async (err: unknown) => ({ ok: false as const, code: await errorCodeOf(Promise.reject(err)) }),
        ),
      ),
    );

    const accepted = outcomes.filter((o) => o.ok);
    const refused = outcomes.filter((o) => !o.ok);
    expect(accepted).toHaveLength(100);
    expect(new Set(accepted.map((o) => o.id)).size).toBe(100);
    expect(refused).toHaveLength(100);
    expect(new Set(refused.map((o) => o.code))).toEqual(new Set([ErrorCode.INSUFFICIENT_CREDITS]));

    expect(await checkLedgerInvariants(orm)).toEqual([]);
    const balance = await api.cp.client(BillingService, caller.key).getBalance({});
    expect(balance).toMatchObject({ balance: 100n, held: BigInt(100 * ECHO_PRICE), available: 0n });
  });

  it("makes one job of 50 racing submits with one idempotency key", async () => {
    const { orm } = api.db;
    const caller = await seedCaller(orm, { credits: 1000 });
    const jobs = api.cp.client(JobService, caller.key, "grpc");

    const responses = await Promise.all(
      Array.from({ length: 50 }, () => jobs.submitJob({ type: "test.echo", idempotencyKey: "race-1" })),
    );

    const ids = new Set(responses.map((r) => r.job?.id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => !r.deduplicated)).toHaveLength(1);
    const [{ jobs: jobCount, holds }] = (await orm.em.fork().execute(
      `select (select count(*)::int from jobs where org_id = ?) as jobs,
              (select count(*)::int from credit_ledger where org_id = ? and kind = 'hold') as holds`,
      [caller.orgId, caller.orgId],
    )) as [{ jobs: number; holds: number }];
    expect({ jobCount, holds }).toEqual({ jobCount: 1, holds: 1 });
    const balance = await api.cp.client(BillingService, caller.key).getBalance({});
    expect(balance.held).toBe(BigInt(ECHO_PRICE));
  });
});
