/**
 * A test double of the control plane's AgentService (Register + Session) on
 * an in-process h2c server (port 0), so the agent's integration tests run
 * against real NATS without Postgres. It records every message, answers
 * claims as the test decides, acks results, and can push CancelAttempt or
 * break the sessions. close() ends open streams and destroys HTTP/2 sessions
 * first so server.close() never hangs.
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  AgentService,
  type ClaimJob,
  type CompleteJob,
  type FailJob,
  type RegisterRequest,
  type SessionRequest,
  type SessionResponseSchema,
} from "../../../proto/gen/jobplane/v1/agent_service_pb.js";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { AsyncQueue } from "../async-queue.js";
import { waitOnChanges } from "./wait-on-changes.js";

type SessionResponseInit = MessageInitShape<typeof SessionResponseSchema>;

export const FAKE_AGENT_TOKEN = "jpa_test_0123456789abcdef0123456789abcdef";

export type ClaimDecision =
  | { readonly accept: { readonly type?: string; readonly params?: JsonObject; readonly deadlineMs?: number } }
  | { readonly reject: ErrorCode; readonly message?: string }
  /** End the whole session with this error (a broken stream). */
  | { readonly breakSession: ConnectError }
  /** Never answer. */
  | { readonly ignore: true };

export interface FakeControlPlaneOptions {
  readonly token?: string;
  readonly heartbeatIntervalMs?: number;
  readonly heartbeatTimeoutMs?: number;
  readonly progressThrottleMs?: number;
  /** Default: accept, with the params set by setJob() (or {}). */
  readonly decideClaim?: (claim: ClaimJob, fake: FakeControlPlane) => ClaimDecision | Promise<ClaimDecision>;
  /**
   * How to answer a CompleteJob / FailJob (n = how many results the fake has
   * received so far, this one included). Default: Ack{accepted}.
   */
  readonly answerResult?: (result: Result, n: number) => ResultAnswer;
}

export type ResultAnswer = "accept" | "conflict" | "internal" | "unavailable" | "break" | "ignore";

export interface Received {
  readonly session: number;
  readonly request: SessionRequest;
}

export type Result = { readonly kind: "complete"; readonly value: CompleteJob } | { readonly kind: "fail"; readonly value: FailJob };

export class FakeControlPlane {
  readonly registrations: RegisterRequest[] = [];
  readonly received: Received[] = [];
  /** Authorization headers seen on Register and Session. */
  readonly authorizations: string[] = [];
  private readonly jobs = new Map<string, { type?: string; params: JsonObject; deadlineMs?: number }>();
  private readonly open = new Map<number, AsyncQueue<SessionResponseInit>>();
  private readonly h2sessions = new Set<http2.ServerHttp2Session>();
  private readonly listeners = new Set<() => void>();
  private sessionCount = 0;
  url = "";

  private constructor(
    private readonly server: http2.Http2Server,
    private readonly options: FakeControlPlaneOptions,
  ) {}

  static async start(options: FakeControlPlaneOptions = {}): Promise<FakeControlPlane> {
    let fake: FakeControlPlane | undefined;
    const handler = connectNodeAdapter({
      routes: (router) =>
        router.service(AgentService, {
          register: (req, ctx) => fake!.register(req, ctx),
          session: (requests, ctx) => fake!.session(requests, ctx),
        }),
    });
    const server = http2.createServer(handler);
    fake = new FakeControlPlane(server, options);
    server.on("session", (s) => {
      fake!.h2sessions.add(s);
      s.once("close", () => fake!.h2sessions.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Params (and type / deadline) the default claim decision hands out for `jobId`. */
  setJob(jobId: string, job: { type?: string; params: JsonObject; deadlineMs?: number }): void {
    this.jobs.set(jobId, job);
  }

  get sessionsOpened(): number {
    return this.sessionCount;
  }

  get openSessions(): number {
    return this.open.size;
  }

  claims(): ClaimJob[] {
    return this.received.flatMap((r) => (r.request.message.case === "claim" ? [r.request.message.value] : []));
  }

  results(): Result[] {
    return this.received.flatMap((r): Result[] => {
      const m = r.request.message;
      if (m.case === "complete") return [{ kind: "complete", value: m.value }];
      if (m.case === "fail") return [{ kind: "fail", value: m.value }];
      return [];
    });
  }

  resultFor(jobId: string): Result | undefined {
    return this.results().find((r) => r.value.ref?.jobId === jobId);
  }

  /**
   * Resolves with the first non-undefined value of `pick()`, re-evaluated on
   * every message the fake receives; rejects after `timeoutMs`.
   */
  waitFor<T>(what: string, pick: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    return waitOnChanges(this.listeners, what, pick, timeoutMs);
  }

  /** Pushes CancelAttempt to every open session; returns how many got it. */
  pushCancel(ref: { jobId: string; attempt: number }, reason: string): number {
    for (const out of this.open.values()) out.push({ requestId: 0n, message: { case: "cancel", value: { ref, reason } } });
    return this.open.size;
  }

  /** Ends every open session with `err`. */
  breakSessions(err = new ConnectError("test: session broken", Code.Unavailable)): void {
    for (const out of this.open.values()) out.fail(err);
  }

  async close(): Promise<void> {
    for (const out of this.open.values()) out.close();
    for (const s of this.h2sessions) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private authorize(ctx: HandlerContext): void {
    const header = ctx.requestHeader.get("authorization") ?? "";
    this.authorizations.push(header);
    if (header !== `Bearer ${this.options.token ?? FAKE_AGENT_TOKEN}`) {
      throw new ConnectError("unknown agent token", Code.Unauthenticated);
    }
  }

  private async register(req: RegisterRequest, ctx: HandlerContext) {
    this.authorize(ctx);
    this.registrations.push(req);
    this.notify();
    return {
      agentId: "agt_fake0001",
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 1000,
      heartbeatTimeoutMs: this.options.heartbeatTimeoutMs ?? 10_000,
      progressThrottleMs: this.options.progressThrottleMs ?? 0,
    };
  }

  private async *session(requests: AsyncIterable<SessionRequest>, ctx: HandlerContext): AsyncGenerator<SessionResponseInit> {
    this.authorize(ctx);
    const id = ++this.sessionCount;
    const out = new AsyncQueue<SessionResponseInit>();
    this.open.set(id, out);
    this.notify();
    void (async () => {
      const handling: Promise<void>[] = [];
      try {
        for await (const request of requests) {
          if (out.closed) break;
          this.received.push({ session: id, request });
          handling.push(this.handle(request, out));
          this.notify();
        }
      } catch {
        // the agent went away
      }
      await Promise.allSettled(handling);
      out.close();
    })();
    try {
      yield* out;
    } finally {
      this.open.delete(id);
      this.notify();
    }
  }

  private async handle(req: SessionRequest, out: AsyncQueue<SessionResponseInit>): Promise<void> {
    const requestId = req.requestId;
    const m = req.message;
    switch (m.case) {
      case "claim": {
        const claim = m.value;
        const decision = await (this.options.decideClaim?.(claim, this) ?? this.defaultDecision(claim));
        if ("accept" in decision) {
          const job = this.jobs.get(claim.jobId);
          const deadlineMs = decision.accept.deadlineMs ?? job?.deadlineMs;
          out.push({
            requestId,
            message: {
              case: "claimAccepted",
              value: {
                jobId: claim.jobId,
                attempt: claim.attempt,
                type: decision.accept.type ?? job?.type ?? "",
                params: decision.accept.params ?? job?.params ?? {},
                inputs: [],
                outputUploadUrl: "",
                ...(deadlineMs !== undefined ? { deadline: timestampFromMs(deadlineMs) } : {}),
              },
            },
          });
        } else if ("reject" in decision) {
          out.push({
            requestId,
            message: { case: "claimRejected", value: { jobId: claim.jobId, attempt: claim.attempt, code: decision.reject, message: decision.message ?? "rejected" } },
          });
        } else if ("breakSession" in decision) {
          out.fail(decision.breakSession);
        }
        return;
      }
      case "complete":
      case "fail": {
        const result: Result = m.case === "complete" ? { kind: "complete", value: m.value } : { kind: "fail", value: m.value };
        const answer = this.options.answerResult?.(result, this.results().length) ?? "accept";
        const ref = m.value.ref;
        if (answer === "accept") out.push({ requestId, message: { case: "ack", value: { ref, accepted: true } } });
        if (answer === "conflict") {
          out.push({ requestId, message: { case: "ack", value: { ref, accepted: false, code: ErrorCode.CONFLICT, message: "already settled" } } });
        }
        if (answer === "internal") {
          out.push({ requestId, message: { case: "ack", value: { ref, accepted: false, code: ErrorCode.INTERNAL_ERROR, message: "internal error" } } });
        }
        if (answer === "unavailable") {
          out.push({ requestId, message: { case: "ack", value: { ref, accepted: false, code: ErrorCode.UNAVAILABLE, message: "the database is unreachable" } } });
        }
        if (answer === "break") out.fail(new ConnectError("test: session broken before the ack", Code.Unavailable));
        return;
      }
      case "heartbeat":
      case "progress":
        if (requestId !== 0n) out.push({ requestId, message: { case: "ack", value: { accepted: true } } });
        return;
      default:
        return;
    }
  }

  private defaultDecision(_claim: ClaimJob): ClaimDecision {
    return { accept: {} };
  }
}
