import { describe, expect, it } from "vitest";
import { seedJobType, seedOrg } from "../../../../test/support/db-fixtures.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { checkLedgerInvariants } from "./ledger-invariants.js";
import { createPgCreditLedger } from "./pg-credit-ledger.js";
import { createPgJobStore } from "./pg-job-store.js";

describe("checkLedgerInvariants", () => {
  // These tests break the books on purpose; they audit by hand.
  const db = useTestDatabase({ checkLedger: false });

  it("finds nothing wrong with books kept by the stores", async () => {
    const orgId = await seedOrg(db.orm, { credits: 100 });
    const type = await seedJobType(db.orm);
    await createPgCreditLedger(db.orm).topUp(orgId, 50, "more");
    await createPgJobStore(db.orm).submitJob({ orgId, type, estimatedCredits: 30 });
    expect(await checkLedgerInvariants(db.orm)).toEqual([]);
    expect(await checkLedgerInvariants(db.url)).toEqual([]);
  });

  it("reports a balance, a hold or a job that disagrees with the ledger", async () => {
    const orgId = await seedOrg(db.orm, { credits: 100 });
    const type = await seedJobType(db.orm);
    const { job } = await createPgJobStore(db.orm).submitJob({ orgId, type, estimatedCredits: 30 });
    const em = db.orm.em.fork();

    await em.execute("update credit_accounts set balance = balance + 1 where org_id = ?", [orgId]);
    expect(await checkLedgerInvariants(db.orm)).toEqual([
      `org ${orgId}: account balance=101 held=30, ledger balance=100 held=30, jobs hold 30`,
    ]);

    await em.execute("update credit_accounts set balance = balance - 1 where org_id = ?", [orgId]);
    await em.execute("update jobs set held_credits = 29 where id = ?", [job.id]);
    expect(await checkLedgerInvariants(db.orm)).toEqual([
      `org ${orgId}: account balance=100 held=30, ledger balance=100 held=30, jobs hold 29`,
      `job ${job.id} (waiting, attempt 1): holds 29, ledger has 30 open`,
    ]);
  });

  it("is backed by constraints: a terminal job cannot hold credits, an account cannot over-commit", async () => {
    const orgId = await seedOrg(db.orm, { credits: 10 });
    const type = await seedJobType(db.orm);
    const { job } = await createPgJobStore(db.orm).submitJob({ orgId, type, estimatedCredits: 5 });
    const em = db.orm.em.fork();
    await expect(em.execute("update jobs set status = 'complete' where id = ?", [job.id])).rejects.toThrow(
      /jobs_terminal_holds_nothing/,
    );
    await expect(em.execute("update credit_accounts set held = 11 where org_id = ?", [orgId])).rejects.toThrow(
      /credit_accounts_balance_covers_held/,
    );
  });
});
