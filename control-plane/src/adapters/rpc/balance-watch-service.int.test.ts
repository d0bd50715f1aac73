/**
 * BillingService.WatchBalance through the real server, Postgres and NATS:
 * the current balance first, then each change — job holds and settlements
 * (through the event feed) and admin top-ups (through NOTIFY) — coalesced,
 * and all of it one request against the key's rate limit.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { AdminService } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { BillingService, type WatchBalanceResponse } from "../../../../proto/gen/jobplane/v1/billing_service_pb.js";
import { ErrorCode, ErrorDetailSchema } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobService } from "../../../../proto/gen/jobplane/v1/job_service_pb.js";
import { startTestControlPlane, TEST_ADMIN_TOKEN } from "../../../../test/support/control-plane.js";
import { seedApiKey, seedJobType, seedOrg } from "../../../../test/support/db-fixtures.js";
import { useDeferredCleanup } from "../../../../test/support/deferred-cleanup.js";
import { driveToCompletion, submitJobs } from "../../../../test/support/job-lifecycle.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import type { Clock } from "../../app/clock.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";

const TYPE = "test.balance-watch";
const PROTOCOLS = ["connect", "grpc"] as const;

type Message = Pick<WatchBalanceResponse, "balance" | "held" | "available">;
const plain = (m: WatchBalanceResponse): Message => ({ balance: m.balance, held: m.held, available: m.available });

/** Pulls messages from a server stream, each within a deadline. */
function reader(stream: AsyncIterable<WatchBalanceResponse>) {
  const iterator = stream[Symbol.asyncIterator]();
  const next = async (timeoutMs = 10_000): Promise<IteratorResult<WatchBalanceResponse>> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([iterator.next(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async message(): Promise<Message> {
      const r = await next();
      if (r.done) throw new Error("the stream ended");
      return plain(r.value);
    },
    /** Messages until one satisfies `done` (included). */
    async until(done: (m: Message) => boolean): Promise<Message[]> {
      const seen: Message[] = [];
      for (;;) {
        const r = await next();
        if (r.done) throw new Error(`the stream ended after ${seen.length} messages`);
        seen.push(plain(r.value));
        if (done(plain(r.value))) return seen;
      }
    },
    next,
  };
}

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (outcome === undefined) throw new Error("expected the call to fail");
  return ConnectError.from(outcome);
}

describe("BillingService.WatchBalance", () => {
  const db = useTestDatabase({ poolSize: 20 });
  const defer = useDeferredCleanup();

  async function setup(options: { clock?: Clock; credits?: number } = {}) {
    const cp = await startTestControlPlane({
      databaseUrl: db.url,
      env: { JOBPLANE_SEQUENCER_INTERVAL_MS: "200" },
      ...(options.clock ? { clock: options.clock } : {}),
    });
    defer(() => cp.close());
    await seedJobType(db.orm, { name: TYPE, baseCredits: 7, creditsPerSecond: 0 });
    const orgId = await seedOrg(db.orm, { credits: options.credits ?? 1000 });
    const { secret } = await seedApiKey(db.orm, orgId);
    return { cp, orgId, key: secret, store: createPgJobStore(db.orm) };
  }

  it.each(PROTOCOLS)("(%s) sends the current balance, then each hold, settlement and top-up", async (protocol) => {
    const { cp, orgId, key, store } = await setup();
    const stop = new AbortController();
    defer(() => stop.abort());
    const stream = reader(cp.client(BillingService, key, protocol).watchBalance({}, { signal: stop.signal }));
    expect(await stream.message()).toEqual({ balance: 1000n, held: 0n, available: 1000n });

    // A job submitted through the API holds its estimate.
    const jobs = cp.client(JobService, key);
    const { job } = await jobs.submitJob({ type: TYPE });
    expect(await stream.message()).toEqual({ balance: 1000n, held: 7n, available: 993n });

    // Its settlement captures 1 and releases the rest (progress etc. in between move nothing).
    await driveToCompletion(db.orm, store, job!.id, TYPE);
    expect(await stream.message()).toEqual({ balance: 999n, held: 0n, available: 999n });

    // A top-up has no event: the NOTIFY brings it.
    await cp.client(AdminService, TEST_ADMIN_TOKEN).topUpCredits({ orgId, amount: 500n, memo: "more" });
    expect(await stream.message()).toEqual({ balance: 1499n, held: 0n, available: 1499n });

    // A movement of nothing (a free job) sends nothing: the next message is the next real change.
    await store.submitJob({ orgId, type: TYPE, estimatedCredits: 0 });
    await store.submitJob({ orgId, type: TYPE, estimatedCredits: 3 });
    expect(await stream.message()).toEqual({ balance: 1499n, held: 3n, available: 1496n });

    // Another org's movements never reach this stream.
    const other = await seedOrg(db.orm, { credits: 50 });
    await store.submitJob({ orgId: other, type: TYPE, estimatedCredits: 5 });
    await store.submitJob({ orgId, type: TYPE, estimatedCredits: 1 });
    expect(await stream.message()).toEqual({ balance: 1499n, held: 4n, available: 1495n });
  });

  it("folds a burst of events into a few messages, reads at least 250 ms apart", async () => {
    const { cp, orgId, key, store } = await setup({ credits: 100_000 });
    const stop = new AbortController();
    defer(() => stop.abort());
    const stream = reader(cp.client(BillingService, key, "grpc").watchBalance({}, { signal: stop.signal }));
    expect((await stream.message()).held).toBe(0n);

    const started = performance.now();
    const ids = await submitJobs(store, orgId, TYPE, 40);
    await Promise.all(ids.map((id) => driveToCompletion(db.orm, store, id, TYPE)));
    // 40 holds and 40 captures: 80 credit-moving events (and 120 that move nothing).
    const messages = await stream.until((m) => m.held === 0n && m.balance === 100_000n - 40n);
    const elapsedMs = performance.now() - started;
    console.info(`200 events in ${elapsedMs.toFixed(0)} ms → ${messages.length} WatchBalance messages`);
    expect(messages.length).toBeLessThan(20);
    expect(messages.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 250) + 1);
    // Each message differs from the one before it.
    for (let i = 1; i < messages.length; i++) expect(messages[i]).not.toEqual(messages[i - 1]);
  });

  it("counts as one request against the rate limit however many messages it sends", async () => {
    // A plan of 2 requests a minute, and a clock held still: no token ever comes back.
    const now = new Date();
    const { cp, orgId, key, store } = await setup({ clock: () => now });
    await db.orm.em.fork().execute(
      `insert into plans (name, requests_per_minute, max_concurrent_jobs, max_input_bytes, max_execution_seconds)
       values ('tiny', 2, 25, 1048576, 60)`,
    );
    await db.orm.em.fork().execute("update orgs set plan = 'tiny' where id = ?", [orgId]);
    const billing = cp.client(BillingService, key, "grpc");
    const stop = new AbortController();
    defer(() => stop.abort());
    const stream = reader(billing.watchBalance({}, { signal: stop.signal })); // request 1
    expect((await stream.message()).held).toBe(0n);

    for (let i = 1; i <= 5; i++) {
      await store.submitJob({ orgId, type: TYPE, estimatedCredits: 1 });
      expect((await stream.message()).held).toBe(BigInt(i));
    }
    expect(await billing.getBalance({})).toMatchObject({ held: 5n }); // request 2
    const refused = await rejection(billing.getBalance({})); // request 3: over the limit
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.findDetails(ErrorDetailSchema)[0]?.code).toBe(ErrorCode.RATE_LIMITED);

    // The stream lives on, unthrottled.
    await store.submitJob({ orgId, type: TYPE, estimatedCredits: 1 });
    expect((await stream.message()).held).toBe(6n);
  });

  it.each(PROTOCOLS)("(%s) needs billing:read and a key", async (protocol) => {
    const { cp, orgId } = await setup();
    const jobsOnly = await seedApiKey(db.orm, orgId, { scopes: ["jobs:read", "jobs:write"] });
    const forbidden = await rejection(reader(cp.client(BillingService, jobsOnly.secret, protocol).watchBalance({})).next());
    expect(forbidden.code).toBe(Code.PermissionDenied);
    expect(forbidden.findDetails(ErrorDetailSchema)[0]?.code).toBe(ErrorCode.FORBIDDEN);
    const anonymous = await rejection(reader(cp.client(BillingService, undefined, protocol).watchBalance({})).next());
    expect(anonymous.code).toBe(Code.Unauthenticated);
  });

  it("ends cleanly on a client cancel, and on server shutdown without waiting out the grace period", async () => {
    const { cp, orgId, key, store } = await setup();
    const cancelled = new AbortController();
    const gone = reader(cp.client(BillingService, key, "grpc").watchBalance({}, { signal: cancelled.signal }));
    await gone.message();
    cancelled.abort();
    expect((await rejection(gone.next())).code).toBe(Code.Canceled);
    // The server carries on for other streams of the org.
    const streams = PROTOCOLS.map((protocol) => reader(cp.client(BillingService, key, protocol).watchBalance({})));
    for (const s of streams) await s.message();
    await store.submitJob({ orgId, type: TYPE, estimatedCredits: 2 });
    for (const s of streams) expect((await s.message()).held).toBe(2n);

    const started = performance.now();
    await cp.close();
    const closeMs = performance.now() - started;
    // The HTTP/1.1 stream was ended by the server with status OK.
    expect(await streams[0]!.next()).toEqual({ done: true, value: undefined });
    // The harness's grace period is 2 s: a stream still open would hold close() that long.
    expect(closeMs).toBeLessThan(1500);
  });
});
