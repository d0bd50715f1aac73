import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { useDeferredCleanup } from "../../../../test/support/deferred-cleanup.js";
import { seedOrg } from "../../../../test/support/db-fixtures.js";
import { eventually } from "../../../../test/support/job-lifecycle.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { topUpCredits } from "./credit-ops.js";
import { createPgCreditSignals } from "./pg-credit-signals.js";
import { createSharedPgListeners } from "./pg-listener.js";

const silent = pino({ level: "silent" });

describe("PgCreditSignals", () => {
  const db = useTestDatabase();
  const defer = useDeferredCleanup();

  async function start(applicationName: string) {
    const listen = createSharedPgListeners({ databaseUrl: db.url, logger: silent, applicationName });
    const signals = createPgCreditSignals({ databaseUrl: db.url, logger: silent, listen });
    await signals.start();
    defer(() => signals.stop());
    return signals;
  }

  it("tells an org's subscribers of its top-ups once they commit, and nobody else", async () => {
    const signals = await start("jobplane:test-credit-signals");
    const [a, b] = [await seedOrg(db.orm), await seedOrg(db.orm)];
    const heard: string[] = [];
    signals.subscribe(a, () => heard.push("a1"));
    const unsubscribe = signals.subscribe(a, () => heard.push("a2"));
    signals.subscribe(b, () => heard.push("b"));

    // Held back until the commit; a rolled-back top-up says nothing.
    await db.orm.em
      .fork()
      .transactional(async (em) => {
        await topUpCredits(em, a, 5, "never");
        throw new Error("roll back");
      })
      .catch(() => {});
    await db.orm.em.fork().transactional((em) => topUpCredits(em, a, 10, "bought"));
    await eventually("the top-up signal", async () => (heard.length >= 2 ? true : undefined));
    expect(heard.sort()).toEqual(["a1", "a2"]);

    unsubscribe();
    await db.orm.em.fork().transactional((em) => topUpCredits(em, b, 10, "bought"));
    await db.orm.em.fork().transactional((em) => topUpCredits(em, a, 10, "bought"));
    await eventually("two more signals", async () => (heard.length >= 4 ? true : undefined));
    expect(heard.sort()).toEqual(["a1", "a1", "a2", "b"]);
  });

  it("signals every subscriber after the LISTEN connection comes back: a top-up may have been missed", async () => {
    const signals = await start("jobplane:test-credit-signals-reconnect");
    const org = await seedOrg(db.orm);
    let heard = 0;
    signals.subscribe(org, () => void heard++);
    await db.orm.em
      .fork()
      .execute("select pg_terminate_backend(pid) from pg_stat_activity where application_name = ?", [
        "jobplane:test-credit-signals-reconnect",
      ]);
    await eventually("the signal after reconnecting", async () => (heard > 0 ? true : undefined));
  });
});
