import { EventEmitter } from "node:events";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ErrorCode, ErrorDetailSchema } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobEventSchema, type JobEvent } from "../../../proto/gen/jobplane/v1/event_pb.js";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { createGatewayMetrics } from "../ops/metrics.js";
import type { ControlPlane } from "../upstream/control-plane.js";
import { RealtimeSession } from "./ws-session.js";

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CONNECTING = 0;
  readyState = 1;
  bufferedAmount = 0;
  /** Added to bufferedAmount by every send: a reader that stopped reading. */
  growth = 0;
  readonly sent: any[] = [];
  closedWith: [number, string] | undefined;
  terminated = false;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
    this.bufferedAmount += this.growth;
  }
  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
    this.readyState = 3;
    this.emit("close", code);
  }
  ping(): void {}
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
  message(value: unknown): void {
    this.emit("message", Buffer.from(JSON.stringify(value)), false);
  }
}

/** One server-stream call the session made, driven by the test. */
interface StreamCall<T> {
  readonly authorization: string | undefined;
  readonly signal: AbortSignal;
  push(value: T): void;
  end(): void;
  fail(err: unknown): void;
}

/** A server stream the test drives; aborting the call's signal fails it with Canceled, like Connect. */
function streamCall<T>(opts: { headers: Record<string, string>; signal: AbortSignal }): { call: StreamCall<T>; stream: AsyncIterable<T> } {
  const queue: (() => IteratorResult<T>)[] = [];
  let wake: (() => void) | undefined;
  const put = (item: () => IteratorResult<T>) => {
    queue.push(item);
    wake?.();
  };
  const call: StreamCall<T> = {
    authorization: opts.headers.authorization,
    signal: opts.signal,
    push: (value) => put(() => ({ done: false, value })),
    end: () => put(() => ({ done: true, value: undefined })),
    fail: (err) =>
      put(() => {
        throw err;
      }),
  };
  opts.signal.addEventListener("abort", () => call.fail(new ConnectError("aborted", Code.Canceled)));
  const stream = {
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<T>> {
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        return queue.shift()!();
      },
    }),
  };
  return { call, stream };
}

/** One WatchJobs call the session made, driven by the test. */
interface Upstream extends Omit<StreamCall<{ event: JobEvent }>, "push"> {
  readonly afterSequence: bigint;
  push(sequence: number, type?: string): void;
}

interface BalanceMessage {
  readonly balance: bigint;
  readonly held: bigint;
  readonly available: bigint;
}

function event(sequence: number, type = "job.progress"): JobEvent {
  if (type.startsWith("balance.")) {
    return create(JobEventSchema, { id: `evt_${sequence}`, sequence: BigInt(sequence), orgId: "org_1", type, balance: { balance: 9n, held: 9n } });
  }
  return create(JobEventSchema, { id: `evt_${sequence}`, sequence: BigInt(sequence), jobId: "job_1", type, status: JobStatus.RUNNING });
}

/**
 * `billingRead`: whether the key may watch the balance. Without it (the
 * default, so most tests see no balance.updated) every WatchBalance fails
 * at once with FORBIDDEN, as the control plane answers a key without billing:read.
 */
function fakeControlPlane(probe: () => Promise<void> = async () => undefined, options: { billingRead?: boolean } = {}) {
  const calls: Upstream[] = [];
  const balanceCalls: StreamCall<BalanceMessage>[] = [];
  const billing = {
    watchBalance: vi.fn((_req: unknown, opts: { headers: Record<string, string>; signal: AbortSignal; timeoutMs?: number }) => {
      const { call, stream } = streamCall<BalanceMessage>(opts);
      balanceCalls.push(call);
      if (!options.billingRead) call.fail(new ConnectError("no billing:read", Code.PermissionDenied, undefined, detail(ErrorCode.FORBIDDEN)));
      return stream;
    }),
  };
  const jobs = {
    listJobTypes: vi.fn(async () => {
      await probe();
      return { jobTypes: [] };
    }),
    watchJobs(req: { afterSequence: bigint }, opts: { headers: Record<string, string>; signal: AbortSignal }) {
      const { call, stream } = streamCall<{ event: JobEvent }>(opts);
      calls.push({ ...call, afterSequence: req.afterSequence, push: (s, type) => call.push({ event: event(s, type) }) });
      return stream;
    },
  };
  return { cp: { jobs, billing } as unknown as ControlPlane, calls, jobs, billing, balanceCalls };
}

function session(cp: ControlPlane, maxBufferedBytes = 1024) {
  const ws = new FakeSocket();
  const s = new RealtimeSession(ws as any, {
    cp,
    log: pino({ level: "silent" }),
    metrics: createGatewayMetrics(),
    maxBufferedBytes,
    authTimeoutMs: 1000,
    requestId: "req-1",
  });
  return { ws, s };
}

const flush = () => vi.advanceTimersByTimeAsync(0);
const detail = (code: ErrorCode) => [{ desc: ErrorDetailSchema, value: create(ErrorDetailSchema, { code, message: "no" }) }];

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("RealtimeSession", () => {
  it("streams from the given sequence with the caller's credential, each event once", async () => {
    const { cp, calls } = fakeControlPlane();
    const { ws, s } = session(cp);
    s.start("Bearer k1", 5n);
    await flush();
    expect(ws.sent).toEqual([{ type: "ready", afterSequence: 5 }]);
    expect(calls.map((c) => [c.afterSequence, c.authorization])).toEqual([[5n, "Bearer k1"]]);
    calls[0]!.push(6);
    calls[0]!.push(7);
    calls[0]!.push(7);
    await flush();
    expect(ws.sent.slice(1).map((m) => [m.type, m.sequence])).toEqual([
      ["job.progress", 6],
      ["job.progress", 7],
    ]);
  });

  it("resumes on request: the old upstream is aborted and its stragglers dropped", async () => {
    const { cp, calls } = fakeControlPlane();
    const { ws, s } = session(cp);
    s.start("Bearer k1", 0n);
    await flush();
    calls[0]!.push(10);
    await flush();
    ws.message({ type: "resume", afterSequence: 3 });
    await flush();
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[1]!.afterSequence).toBe(3n);
    calls[1]!.push(4);
    await flush();
    expect(ws.sent.map((m) => m.sequence ?? m.afterSequence)).toEqual([0, 10, 3, 4]);
  });

  it("re-subscribes from the last delivered sequence when the upstream ends", async () => {
    const { cp, calls } = fakeControlPlane();
    const { ws, s } = session(cp);
    s.start("Bearer k1", 0n);
    await flush();
    calls[0]!.push(8);
    calls[0]!.end();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls[1]!.afterSequence).toBe(8n);
    calls[1]!.fail(new ConnectError("down", Code.Unavailable));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls[2]!.afterSequence).toBe(8n);
    expect(ws.closedWith).toBeUndefined();
  });

  it("closes 1013 after repeated upstream failures with nothing delivered", async () => {
    const { cp, calls } = fakeControlPlane();
    const { ws, s } = session(cp);
    s.start("Bearer k1", 4n);
    for (let i = 0; i < 20 && !ws.closedWith; i++) {
      await flush();
      calls.at(-1)!.fail(new ConnectError("down", Code.Unavailable));
      await vi.advanceTimersByTimeAsync(10_000);
    }
    expect(ws.closedWith?.[0]).toBe(1013);
    expect(ws.closedWith?.[1]).toContain("?after=4");
  });

  it("closes 1008 with an error message when the key stops working mid-stream", async () => {
    const { cp, calls } = fakeControlPlane();
    const { ws, s } = session(cp);
    s.start("Bearer k1", 0n);
    await flush();
    calls[0]!.fail(new ConnectError("revoked", Code.Unauthenticated, undefined, detail(ErrorCode.UNAUTHORIZED)));
    await flush();
    expect(ws.sent.at(-1)).toMatchObject({ type: "error", error: { code: "UNAUTHORIZED" } });
    expect(ws.closedWith?.[0]).toBe(1008);
  });

  it("authenticates by first message, after checking the key", async () => {
    const { cp, calls, jobs } = fakeControlPlane();
    const { ws, s } = session(cp);
    s.start(undefined, 2n);
    await flush();
    expect(ws.sent).toEqual([]);
    ws.message({ type: "ping" });
    ws.message({ type: "auth", apiKey: "jp_live_k" });
    await flush();
    expect(jobs.listJobTypes).toHaveBeenCalledTimes(1);
    expect(ws.sent).toEqual([{ type: "pong" }, { type: "ready", afterSequence: 2 }]);
    expect(calls[0]!.authorization).toBe("Bearer jp_live_k");
    ws.message({ type: "auth", apiKey: "again" });
    await flush();
    expect(ws.sent.at(-1)).toMatchObject({ type: "error", error: { code: "VALIDATION_ERROR", message: "already authenticated" } });
  });

  it("refuses a bad key, a resume before auth, and silence past the auth timeout with 1008", async () => {
    const bad = fakeControlPlane(async () => {
      throw new ConnectError("unknown key", Code.Unauthenticated, undefined, detail(ErrorCode.UNAUTHORIZED));
    });
    const one = session(bad.cp);
    one.s.start(undefined, 0n);
    one.ws.message({ type: "auth", apiKey: "nope" });
    await flush();
    expect(one.ws.sent).toEqual([{ type: "error", error: { code: "UNAUTHORIZED", message: "no", details: {} } }]);
    expect(one.ws.closedWith?.[0]).toBe(1008);

    const two = session(fakeControlPlane().cp);
    two.s.start(undefined, 0n);
    two.ws.message({ type: "resume", afterSequence: 1 });
    await flush();
    expect(two.ws.closedWith?.[0]).toBe(1008);

    const three = session(fakeControlPlane().cp);
    three.s.start(undefined, 0n);
    await vi.advanceTimersByTimeAsync(1001);
    expect(three.ws.closedWith).toEqual([1008, expect.stringContaining("UNAUTHORIZED")]);
  });

  it("answers malformed messages with an error and stays open", async () => {
    const { ws, s } = session(fakeControlPlane().cp);
    s.start("Bearer k", 0n);
    ws.emit("message", Buffer.from("not json"), false);
    await flush();
    expect(ws.sent.at(-1)).toMatchObject({ type: "error", error: { code: "VALIDATION_ERROR" } });
    expect(ws.closedWith).toBeUndefined();
  });

  it("cuts off a slow consumer with 4000 instead of buffering without bound", async () => {
    const { cp, calls } = fakeControlPlane();
    const { ws, s } = session(cp, 1024);
    ws.growth = 400;
    s.start("Bearer k", 0n);
    await flush();
    for (let i = 1; i <= 10; i++) calls[0]!.push(i);
    await flush();
    expect(ws.closedWith?.[0]).toBe(4000);
    expect(ws.closedWith?.[1]).toMatch(/slow consumer/);
    expect(ws.sent.length).toBeLessThanOrEqual(4);
    expect(calls[0]!.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(ws.terminated).toBe(true);
  });

  it("opens one WatchBalance per session with the client's key and forwards each message as balance.updated", async () => {
    const { cp, calls, billing, balanceCalls } = fakeControlPlane(undefined, { billingRead: true });
    const { ws, s } = session(cp);
    s.start("Bearer k1", 0n);
    await flush();
    expect(billing.watchBalance).toHaveBeenCalledTimes(1);
    expect(balanceCalls[0]!.authorization).toBe("Bearer k1");
    // A stream: no unary deadline.
    expect(billing.watchBalance.mock.calls[0]![1].timeoutMs).toBeUndefined();
    balanceCalls[0]!.push({ balance: 200n, held: 100n, available: 100n });
    await flush();
    expect(ws.sent).toEqual([
      { type: "ready", afterSequence: 0 },
      { type: "balance.updated", balance: { balance: 200, held: 100, available: 100 } },
    ]);

    // Job events come on their own stream; balance changes on the balance stream, in whatever order they happen.
    calls[0]!.push(1, "job.created");
    calls[0]!.push(2, "balance.low");
    await flush();
    balanceCalls[0]!.push({ balance: 200n, held: 130n, available: 70n });
    await flush();
    expect(ws.sent.slice(2).map((m) => [m.type, m.sequence ?? m.balance?.available])).toEqual([
      ["job.created", 1],
      ["balance.low", 2],
      ["balance.updated", 70],
    ]);
    expect(ws.sent.find((m) => m.type === "balance.low")).toEqual({
      type: "balance.low",
      id: "evt_2",
      sequence: 2,
      orgId: "org_1",
      occurredAt: null,
      balance: { balance: 9, held: 9, available: 0, threshold: 0 },
    });

    // A resume repeats the last balance without a new call.
    ws.message({ type: "resume", afterSequence: 1 });
    await flush();
    expect(ws.sent.slice(-2)).toEqual([
      { type: "ready", afterSequence: 1 },
      { type: "balance.updated", balance: { balance: 200, held: 130, available: 70 } },
    ]);
    expect(billing.watchBalance).toHaveBeenCalledTimes(1);

    // The stream closes with the session.
    s.close(1001, "bye");
    expect(balanceCalls[0]!.signal.aborted).toBe(true);
  });

  it("reopens a failed WatchBalance after a backoff, without repeating an unchanged balance", async () => {
    const { cp, billing, balanceCalls } = fakeControlPlane(undefined, { billingRead: true });
    const { ws, s } = session(cp);
    s.start("Bearer k1", 0n);
    await flush();
    balanceCalls[0]!.push({ balance: 10n, held: 0n, available: 10n });
    balanceCalls[0]!.fail(new ConnectError("down", Code.Unavailable));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(billing.watchBalance).toHaveBeenCalledTimes(2);
    balanceCalls[1]!.push({ balance: 10n, held: 0n, available: 10n });
    balanceCalls[1]!.end(); // the control plane shuts down: reopen too
    await vi.advanceTimersByTimeAsync(30_000);
    expect(billing.watchBalance).toHaveBeenCalledTimes(3);
    balanceCalls[2]!.push({ balance: 10n, held: 5n, available: 5n });
    await flush();
    expect(ws.sent.filter((m) => m.type === "balance.updated").map((m) => m.balance.available)).toEqual([10, 5]);
    expect(ws.closedWith).toBeUndefined();
  });

  it("skips balance.updated for a key without billing:read, after one try, and streams events as usual", async () => {
    const { cp, calls, billing } = fakeControlPlane();
    const { ws, s } = session(cp);
    s.start("Bearer k1", 0n);
    await flush();
    calls[0]!.push(1, "job.created");
    await flush();
    ws.message({ type: "resume", afterSequence: 1 });
    await vi.advanceTimersByTimeAsync(60_000);
    calls[1]!.push(2, "job.completed");
    await flush();
    expect(billing.watchBalance).toHaveBeenCalledTimes(1);
    expect(ws.sent.map((m) => m.type)).toEqual(["ready", "job.created", "ready", "job.completed"]);
    expect(ws.closedWith).toBeUndefined();
  });
});
