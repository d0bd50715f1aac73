import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { useDeferredCleanup } from "../../../../test/support/deferred-cleanup.js";
import { eventually } from "../../../../test/support/job-lifecycle.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { createPgListener, createSharedPgListeners, type PgChannelHandlers } from "./pg-listener.js";

const silent = pino({ level: "silent" });
const db = useTestDatabase({ checkLedger: false });
const defer = useDeferredCleanup();

/** A subscriber that records what it is told. */
function recorder(channel: string) {
  const payloads: string[] = [];
  let listening = 0;
  const handlers: PgChannelHandlers = {
    channel,
    onNotify: (payload) => payloads.push(payload),
    onListening: () => void listening++,
  };
  return { handlers, payloads, listenings: () => listening };
}

const notify = (channel: string, payload: string) =>
  db.orm.em.fork().execute(`select pg_notify('${channel}', ?)`, [payload]);

/** The backends of this database with this application_name. */
async function backends(applicationName: string): Promise<number[]> {
  const rows = await db.orm.em
    .fork()
    .execute<{ pid: number }[]>(
      "select pid from pg_stat_activity where datname = current_database() and application_name = ?",
      [applicationName],
    );
  return rows.map((r) => r.pid);
}

describe("shared LISTEN connection", () => {
  it("serves several channels and subscribers on one connection, each told only of its channel", async () => {
    const listen = createSharedPgListeners({ databaseUrl: db.url, logger: silent, applicationName: "jobplane:test-shared" });
    const a = recorder("chan_a");
    const a2 = recorder("chan_a");
    const b = recorder("chan_b");
    const listeners = [listen(a.handlers), listen(a2.handlers), listen(b.handlers)];
    for (const l of listeners) {
      await l.start();
      defer(() => l.stop());
    }
    expect(await backends("jobplane:test-shared")).toHaveLength(1);
    expect([a.listenings(), a2.listenings(), b.listenings()]).toEqual([1, 1, 1]);

    await notify("chan_a", "1");
    await notify("chan_b", "2");
    await eventually("both notifications", async () => (a.payloads.length && a2.payloads.length && b.payloads.length ? true : undefined));
    expect([a.payloads, a2.payloads, b.payloads]).toEqual([["1"], ["1"], ["2"]]);

    // The last subscriber of a channel leaves: its channel is no longer heard, the others still are.
    await listeners[2]!.stop();
    await notify("chan_b", "3");
    await notify("chan_a", "4");
    await eventually("the next notification on chan_a", async () => (a.payloads.length === 2 ? true : undefined));
    expect(b.payloads).toEqual(["2"]);

    // The last subscriber leaves: the connection closes.
    await listeners[0]!.stop();
    await listeners[1]!.stop();
    await eventually("the connection to close", async () => ((await backends("jobplane:test-shared")).length === 0 ? true : undefined));
  });

  it("reconnects after its connection is killed and tells every subscriber to catch up", async () => {
    const listen = createSharedPgListeners({ databaseUrl: db.url, logger: silent, applicationName: "jobplane:test-kill" });
    const a = recorder("chan_a");
    const b = recorder("chan_b");
    for (const r of [a, b]) {
      const l = listen(r.handlers);
      await l.start();
      defer(() => l.stop());
    }
    const [pid] = await backends("jobplane:test-kill");
    await db.orm.em.fork().execute("select pg_terminate_backend(?)", [pid]);
    await eventually("both to listen again", async () => (a.listenings() === 2 && b.listenings() === 2 ? true : undefined));
    await notify("chan_b", "after");
    await eventually("a notification after the reconnect", async () => (b.payloads.includes("after") ? true : undefined));
    expect(await backends("jobplane:test-kill")).toHaveLength(1);
  });

  it("a subscriber that starts later on a new channel is LISTENed for on the open connection", async () => {
    const listen = createSharedPgListeners({ databaseUrl: db.url, logger: silent, applicationName: "jobplane:test-late" });
    const a = recorder("chan_a");
    const first = listen(a.handlers);
    await first.start();
    defer(() => first.stop());
    const late = recorder("chan_late");
    const second = listen(late.handlers);
    await second.start();
    defer(() => second.stop());
    expect(late.listenings()).toBe(1);
    await notify("chan_late", "x");
    await eventually("the late channel's notification", async () => (late.payloads.length === 1 ? true : undefined));
    expect(await backends("jobplane:test-late")).toHaveLength(1);
  });

  it("createPgListener: one channel on a connection of its own; start() rejects when the server cannot be reached", async () => {
    const own = recorder("chan_own");
    const listener = createPgListener({ databaseUrl: db.url, logger: silent, ...own.handlers });
    await listener.start();
    defer(() => listener.stop());
    expect(await backends("jobplane:chan_own")).toHaveLength(1);

    const unreachable = createPgListener({
      databaseUrl: "postgres://postgres@127.0.0.1:1/none",
      logger: silent,
      ...recorder("chan_x").handlers,
    });
    await expect(unreachable.start()).rejects.toThrow();
    await unreachable.stop();
  });
});
