/**
 * isConnectionFailure against what the real driver stack (pg under MikroORM)
 * throws when PostgreSQL is unreachable or ends a session, so a change in
 * either library's error shape fails here rather than turning UNAVAILABLE
 * back into INTERNAL_ERROR unnoticed.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { useDeferredCleanup } from "../../../../test/support/deferred-cleanup.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { toConnectError } from "../rpc/error-mapping.js";
import { isConnectionFailure } from "./connection-failure.js";
import { createOrm } from "./orm.js";
import { closedPort } from "../../../../test/support/closed-port.js";

const db = useTestDatabase({ checkLedger: false });
const defer = useDeferredCleanup();
const quiet = { error: () => {} };


describe("isConnectionFailure on real driver errors", () => {
  it("recognises a refused connection", async () => {
    const orm = await createOrm(`postgres://postgres@127.0.0.1:${await closedPort()}/nothing`);
    defer(() => orm.close());
    const err = await orm.em.fork().execute("select 1").then(() => undefined, (e: unknown) => e);
    expect(isConnectionFailure(err), String(err)).toBe(true);
    expect(toConnectError(err, quiet, "p").code).toBe(Code.Unavailable);
  });

  it("recognises a session the server terminated (pg_terminate_backend, a restart)", async () => {
    const orm = await createOrm(db.url, { poolSize: 1 });
    defer(() => orm.close());
    const [row] = await orm.em.fork().execute<{ pid: number }[]>("select pg_backend_pid() as pid");
    const sleeping = orm.em.fork().execute("select pg_sleep(30)").then(() => undefined, (e: unknown) => e);
    // pg_terminate_backend returns once the signal is sent; the sleep then fails with 57P01.
    await db.orm.em.fork().execute("select pg_terminate_backend(?)", [row!.pid]);
    const terminated = await sleeping;
    expect(isConnectionFailure(terminated), String(terminated)).toBe(true);
    expect(toConnectError(terminated, quiet, "p").code).toBe(Code.Unavailable);
  });

  it("leaves query errors alone", async () => {
    const err = await db.orm.em.fork().execute("select * from no_such_table").then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isConnectionFailure(err)).toBe(false);
  });
});
