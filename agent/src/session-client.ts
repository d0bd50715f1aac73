/**
 * The agent's side of AgentService: Register, then ONE bidirectional Session
 * stream (gRPC over h2c) that carries everything about every attempt — see the
 * design comment in proto/jobplane/v1/agent_service.proto.
 *
 * Connection loop (one at a time):
 *   connecting → Register (Bearer AGENT_TOKEN) → open Session → connected
 *   connected  → the stream ends or fails → pending requests fail with
 *                SessionUnavailableError → back-off (exponential, jittered) →
 *                connecting (Register again: the control plane may be another
 *                instance now)
 *   any        → close(): half-close the stream so the control plane answers
 *                what it has, then abort whatever is left → closed
 * The first connect() fails fast on a refused token (UNAUTHENTICATED or
 * PERMISSION_DENIED) and retries anything else (the control plane may not be
 * up yet). Later reconnects retry everything, logging each failure.
 *
 * Requests and replies: every message that wants an answer (claim, complete,
 * fail) carries a fresh request_id and waits for the response echoing it, with
 * a timeout. Heartbeats and progress go with request_id 0 (no reply wanted).
 * A response whose request_id nobody waits for (a late reply after a timeout)
 * is dropped. CancelAttempt pushes (request_id 0) go to the onCancel handlers.
 * `deliver()` is for results that must not be lost: it retries the request on
 * the next session until it is answered or the client is closed.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import {
  AgentService,
  SessionRequestSchema,
  type CancelAttempt,
  type SessionRequest,
  type SessionResponse,
} from "../../proto/gen/jobplane/v1/agent_service_pb.js";
import { AsyncQueue } from "./async-queue.js";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.js";
import { sleep, systemClock, type Clock, type TimerHandle } from "./clock.js";

/** One message the agent sends (the oneof of SessionRequest). */
export type SessionMessage = NonNullable<MessageInitShape<typeof SessionRequestSchema>["message"]>;

export interface AgentRegistration {
  readonly jobTypes: readonly string[];
  readonly slots: number;
  readonly version: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** What Register returned, with defaults for fields the control plane left unset. */
export interface SessionSettings {
  readonly agentId: string;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  /** 0 = no throttling. */
  readonly progressThrottleMs: number;
}

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;
const STABLE_SESSION_MS = 5_000;

/** The stream is not open (never connected, broke, or closed): the request was not answered. */
export class SessionUnavailableError extends Error {
  override readonly name = "SessionUnavailableError";
}

/** No reply within the timeout. */
export class SessionTimeoutError extends Error {
  override readonly name = "SessionTimeoutError";
}

/** What the worker needs of a session (the SessionClient, or a test double). */
export interface AgentSession {
  connect(): Promise<SessionSettings>;
  readonly settings: SessionSettings | undefined;
  readonly connected: boolean;
  /** Resolves when a session is open; rejects once the client is closed or `signal` aborts. */
  whenConnected(signal?: AbortSignal): Promise<void>;
  /** Fire-and-forget (request_id 0); false when no session is open. */
  send(message: SessionMessage): boolean;
  /** One try on the current session. */
  request(message: SessionMessage, timeoutMs?: number): Promise<SessionResponse>;
  /** Retries on later sessions until answered; rejects only when the client is closed. */
  deliver(message: SessionMessage, timeoutMs?: number): Promise<SessionResponse>;
  onCancel(handler: (cancel: CancelAttempt) => void): void;
  onConnected(handler: (settings: SessionSettings) => void): void;
  close(): Promise<void>;
}

export interface SessionLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface SessionClientOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly registration: AgentRegistration;
  readonly logger: SessionLogger;
  readonly clock?: Clock;
  /** Reply timeout of a request (default 10 s). */
  readonly requestTimeoutMs?: number;
  readonly reconnectBackoff?: BackoffOptions;
  /** How long close() waits for the control plane to end the stream after the half-close (default 2 s). */
  readonly closeTimeoutMs?: number;
}

interface Pending {
  readonly resolve: (res: SessionResponse) => void;
  readonly reject: (err: unknown) => void;
  readonly timer: TimerHandle;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
  settled: boolean;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  const d: Deferred<T> = {
    promise,
    settled: false,
    resolve: (v) => {
      d.settled = true;
      resolve(v);
    },
    reject: (e) => {
      d.settled = true;
      reject(e);
    },
  };
  return d;
}

export class SessionClient implements AgentSession {
  private readonly clock: Clock;
  private readonly requestTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly auth: Interceptor;
  private readonly pending = new Map<bigint, Pending>();
  private readonly cancelHandlers: Array<(cancel: CancelAttempt) => void> = [];
  private readonly connectedHandlers: Array<(settings: SessionSettings) => void> = [];
  private readonly waiters = new Set<Deferred<void>>();
  private readonly closeController = new AbortController();
  private nextRequestId = 1n;
  private outbound: AsyncQueue<SessionRequest> | undefined;
  private current: SessionSettings | undefined;
  private closed = false;
  private loop: Promise<void> | undefined;
  private readonly first = deferred<SessionSettings>();

  constructor(private readonly options: SessionClientOptions) {
    this.clock = options.clock ?? systemClock;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2_000;
    this.auth = (next) => (req) => {
      req.header.set("authorization", `Bearer ${options.token}`);
      return next(req);
    };
  }

  get settings(): SessionSettings | undefined {
    return this.current;
  }

  get connected(): boolean {
    return this.outbound !== undefined && !this.closed;
  }

  connect(): Promise<SessionSettings> {
    if (this.closed && !this.loop) return Promise.reject(new SessionUnavailableError("session client is closed"));
    this.loop ??= this.run();
    return this.first.promise;
  }

  onCancel(handler: (cancel: CancelAttempt) => void): void {
    this.cancelHandlers.push(handler);
  }

  onConnected(handler: (settings: SessionSettings) => void): void {
    this.connectedHandlers.push(handler);
  }

  whenConnected(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(new SessionUnavailableError("session client is closed"));
    if (this.connected) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    const d = deferred<void>();
    this.waiters.add(d);
    const onAbort = (): void => {
      this.waiters.delete(d);
      d.reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    return d.promise.finally(() => signal?.removeEventListener("abort", onAbort));
  }

  send(message: SessionMessage): boolean {
    if (!this.connected) return false;
    return this.outbound!.push(create(SessionRequestSchema, { requestId: 0n, message }));
  }

  request(message: SessionMessage, timeoutMs = this.requestTimeoutMs): Promise<SessionResponse> {
    const outbound = this.outbound;
    if (!outbound || this.closed) return Promise.reject(new SessionUnavailableError("no session is open"));
    const requestId = this.nextRequestId++;
    return new Promise<SessionResponse>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(requestId);
        reject(new SessionTimeoutError(`no reply to ${message.case} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      if (!outbound.push(create(SessionRequestSchema, { requestId, message }))) {
        this.clock.clearTimeout(timer);
        this.pending.delete(requestId);
        reject(new SessionUnavailableError("the session closed"));
      }
    });
  }

  async deliver(message: SessionMessage, timeoutMs = this.requestTimeoutMs): Promise<SessionResponse> {
    for (let tries = 1; ; tries++) {
      await this.whenConnected();
      try {
        return await this.request(message, timeoutMs);
      } catch (err) {
        if (!(err instanceof SessionUnavailableError || err instanceof SessionTimeoutError)) throw err;
        if (this.closed) throw err;
        this.options.logger.debug({ kind: message.case, tries, err: err.message }, "report not answered; retrying on the next session");
      }
    }
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const w of this.waiters) w.reject(new SessionUnavailableError("session client is closed"));
      this.waiters.clear();
      if (!this.first.settled) this.first.reject(new SessionUnavailableError("session client closed before it connected"));
      if (this.outbound) {
        // Half-close: the control plane answers what it has read, then ends the stream.
        this.outbound.close();
        const timer = this.clock.setTimeout(() => this.closeController.abort(), this.closeTimeoutMs);
        await this.loop;
        this.clock.clearTimeout(timer);
      } else {
        this.closeController.abort();
      }
    }
    await this.loop;
  }

  private async run(): Promise<void> {
    const { logger } = this.options;
    let failures = 0;
    while (!this.closed) {
      const manager = new Http2SessionManager(this.options.baseUrl, { pingIntervalMs: 15_000, pingTimeoutMs: 10_000 });
      const call = new AbortController();
      const abortCall = (): void => call.abort();
      this.closeController.signal.addEventListener("abort", abortCall, { once: true });
      let opened = false;
      let openedAt = 0;
      try {
        const transport = createGrpcTransport({ baseUrl: this.options.baseUrl, sessionManager: manager, interceptors: [this.auth] });
        const client = createClient(AgentService, transport);
        const reg = this.options.registration;
        const res = await client.register(
          { jobTypes: [...reg.jobTypes], slots: reg.slots, version: reg.version, labels: { ...reg.labels } },
          { signal: call.signal, timeoutMs: this.requestTimeoutMs },
        );
        const settings: SessionSettings = {
          agentId: res.agentId,
          heartbeatIntervalMs: res.heartbeatIntervalMs || DEFAULT_HEARTBEAT_INTERVAL_MS,
          heartbeatTimeoutMs: res.heartbeatTimeoutMs,
          progressThrottleMs: res.progressThrottleMs,
        };
        if (this.closed) break;
        const outbound = new AsyncQueue<SessionRequest>();
        const responses = client.session(outbound, { signal: call.signal });
        this.outbound = outbound;
        this.current = settings;
        opened = true;
        openedAt = this.clock.now();
        logger.info({ agentId: settings.agentId, url: this.options.baseUrl }, "session open");
        if (!this.first.settled) this.first.resolve(settings);
        for (const w of this.waiters) w.resolve();
        this.waiters.clear();
        for (const handler of this.connectedHandlers) handler(settings);
        for await (const response of responses) this.onResponse(response);
        if (!this.closed) logger.warn({}, "the control plane ended the session; reconnecting");
      } catch (err) {
        const ce = ConnectError.from(err);
        if (!this.closed) {
          if (!this.first.settled && (ce.code === Code.Unauthenticated || ce.code === Code.PermissionDenied)) {
            this.first.reject(new Error(`the control plane at ${this.options.baseUrl} refused the agent token: ${ce.rawMessage}`));
            this.closed = true;
            for (const w of this.waiters) w.reject(new SessionUnavailableError("the agent token was refused"));
            this.waiters.clear();
          } else {
            logger.warn(
              { code: Code[ce.code], err: ce.rawMessage, url: this.options.baseUrl },
              opened ? "session broke; reconnecting" : "could not reach the control plane; retrying",
            );
          }
        }
      } finally {
        this.closeController.signal.removeEventListener("abort", abortCall);
        this.outbound?.close();
        this.outbound = undefined;
        this.failPending(new SessionUnavailableError(this.closed ? "the session was closed" : "the session broke"));
        call.abort();
        manager.abort();
      }
      if (this.closed) break;
      // A session that lived a while starts the back-off afresh; one that keeps
      // breaking right after opening backs off like a failed connect.
      failures = opened && this.clock.now() - openedAt >= STABLE_SESSION_MS ? 1 : failures + 1;
      await sleep(this.clock, backoffDelay(failures, this.options.reconnectBackoff ?? DEFAULT_BACKOFF), this.closeController.signal).catch(
        () => undefined,
      );
    }
    if (!this.first.settled) this.first.reject(new SessionUnavailableError("session client closed before it connected"));
  }

  private onResponse(res: SessionResponse): void {
    if (res.message.case === "cancel") {
      for (const handler of this.cancelHandlers) handler(res.message.value);
      return;
    }
    const waiting = this.pending.get(res.requestId);
    if (!waiting) {
      this.options.logger.debug({ requestId: String(res.requestId), kind: res.message.case }, "dropping a reply nobody waits for");
      return;
    }
    this.pending.delete(res.requestId);
    this.clock.clearTimeout(waiting.timer);
    waiting.resolve(res);
  }

  private failPending(err: Error): void {
    for (const [id, p] of this.pending) {
      this.clock.clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }
}
