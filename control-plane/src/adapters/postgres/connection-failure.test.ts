import { describe, expect, it } from "vitest";
import { isConnectionFailure } from "./connection-failure.js";

/** An error shaped like pg's (or MikroORM's DriverException, which copies pg's fields). */
function pgError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

describe("isConnectionFailure", () => {
  it.each([
    ["connection refused", pgError("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
    ["connection reset", pgError("read ECONNRESET", "ECONNRESET")],
    ["unknown host", pgError("getaddrinfo ENOTFOUND db", "ENOTFOUND")],
    ["terminated by the server (pg_terminate_backend, fast shutdown)", pgError("terminating connection due to administrator command", "57P01")],
    ["the server starting up", pgError("the database system is starting up", "57P03")],
    ["too many connections", pgError("sorry, too many clients already", "53300")],
    ["SQLSTATE class 08", pgError("connection failure", "08006")],
    ["pg noticing a dead socket", pgError("Connection terminated unexpectedly")],
    ["pg's connect timeout", pgError("Connection terminated due to connection timeout")],
    ["pg-pool's connect timeout", pgError("timeout exceeded when trying to connect")],
    ["a client broken earlier", pgError("Client has encountered a connection error and is not queryable")],
  ])("recognises %s", (_what, err) => {
    expect(isConnectionFailure(err)).toBe(true);
  });

  it("looks through causes and AggregateErrors (happy-eyeballs connects)", () => {
    expect(isConnectionFailure(new Error("query failed", { cause: pgError("x", "ECONNREFUSED") }))).toBe(true);
    const both = new AggregateError([pgError("connect ECONNREFUSED ::1:5432", "ECONNREFUSED"), pgError("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")]);
    expect(isConnectionFailure(both)).toBe(true);
  });

  it.each([
    ["a unique violation", pgError('duplicate key value violates unique constraint "x"', "23505")],
    ["a syntax error", pgError("syntax error at or near", "42601")],
    ["a serialization failure", pgError("could not serialize access", "40001")],
    ["a statement timeout", pgError("canceling statement due to statement timeout", "57014")],
    ["a plain bug", new TypeError("Cannot read properties of undefined")],
    ["a message that merely mentions connections", pgError("the connection terminated the job")],
  ])("leaves %s alone", (_what, err) => {
    expect(isConnectionFailure(err)).toBe(false);
  });

  it("is safe on odd values and cause cycles", () => {
    for (const value of [undefined, null, "ECONNREFUSED", 42, { code: 5 }]) expect(isConnectionFailure(value)).toBe(false);
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    expect(isConnectionFailure(loop)).toBe(false);
  });
});
