/**
 * One WebSocket client of the real-time hub.
 *
 * States:
 *   awaiting-auth —{"type":"auth"} with a key that passes the probe→ streaming
 *   awaiting-auth —auth timeout | bad key→ closed (1008 + error message)
 *   streaming —each upstream JobEvent→ sent as JSON; lastSequence advances
 *   streaming —a WatchBalance message (one stream per session, opened at the
 *     first subscribe)→ {"type":"balance.updated","balance":{…}}; the last
 *     one is sent again after every later subscribe; never if the key lacks
 *     billing:read — see balance-follower.ts
 *   streaming —{"type":"resume", afterSequence}→ streaming from afterSequence
 *     (the old upstream is aborted; a generation number drops its stragglers)
 *   streaming —upstream ends or fails transiently→ streaming again from
 *     lastSequence after a jittered backoff; after MAX_UPSTREAM_FAILURES in a
 *     row with nothing delivered→ closed (1013, "reconnect with ?after")
 *   streaming —upstream UNAUTHORIZED/FORBIDDEN (key revoked)→ closed (1008)
 *   streaming —bufferedAmount > bound after a send→ closed (4000 slow consumer)
 *   any —client close | shutdown (1001) | missed pong→ closed
 * Invariant: events reach the client in upstream order, each at most once
 * per generation; after a resume only events above afterSequence are sent,
 * so a client that resumes from its last processed sequence sees no gap and
 * no repeat (the control plane's WatchJobs guarantees it upstream).
 */
import type { Logger } from "pino";
import type WebSocket from "ws";
import type { JobEvent } from "../../../proto/gen/jobplane/v1/event_pb.js";
import { toRestError, type RestError } from "../errors/rest-error.js";
import type { GatewayMetrics } from "../ops/metrics.js";
import { eventJson } from "../rest/job-json.js";
import { callOptions, type ControlPlane } from "../upstream/control-plane.js";
import { backoffDelay } from "./backoff.js";
import { createBalanceFollower, type BalanceFollower } from "./balance-follower.js";
import { CLOSE, closeReason, parseClientMessage } from "./ws-protocol.js";

export interface SessionDeps {
  readonly cp: ControlPlane;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly maxBufferedBytes: number;
  readonly authTimeoutMs: number;
  readonly requestId: string;
}

export const MAX_UPSTREAM_FAILURES = 8;
const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 5_000;
/** Base and cap of the backoff before reopening an ended WatchBalance stream. */
const BALANCE_RETRY_BASE_MS = 250;
const BALANCE_RETRY_MAX_MS = 30_000;

/** Errors after which retrying with the same key cannot help. */
const FATAL = new Set(["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_ERROR"]);

/**
 * Checks a credential before anything streams: the control plane only
 * answers a WatchJobs call once an event flows, so its auth failure could
 * come much later. ListJobTypes needs the same scope (jobs:read) and is cheap.
 */
export async function probeCredential(cp: ControlPlane, authorization: string, requestId: string): Promise<void> {
  await cp.jobs.listJobTypes({}, callOptions({ authorization, requestId }));
}

export class RealtimeSession {
  private authorization: string | undefined;
  private phase: "awaiting-auth" | "authenticating" | "streaming" = "awaiting-auth";
  private generation = 0;
  private upstream: AbortController | undefined;
  private lastSequence = 0n;
  private closed = false;
  private authTimer: NodeJS.Timeout | undefined;
  private readonly balance: BalanceFollower;
  /** Set by the hub's ping round; cleared when a pong arrives. */
  awaitingPong = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: SessionDeps,
  ) {
    ws.on("message", (data, isBinary) => void this.onMessage(isBinary ? "" : data.toString()));
    ws.on("pong", () => (this.awaitingPong = false));
    ws.on("close", () => this.dispose());
    ws.on("error", (err) => deps.log.debug({ err: err.message }, "websocket error"));
    this.balance = createBalanceFollower({
      watch: (signal) =>
        deps.cp.billing.watchBalance(
          {},
          callOptions({ authorization: this.authorization, requestId: deps.requestId, signal }, true),
        ),
      send: (b) =>
        this.send({
          type: "balance.updated",
          balance: { balance: Number(b.balance), held: Number(b.held), available: Number(b.available) },
        }),
      onEnd: (err, failures) => this.balanceEnded(err, failures),
    });
  }

  /** Starts streaming with a credential already checked at the upgrade, or waits for an auth message. */
  start(authorization: string | undefined, afterSequence: bigint): void {
    this.lastSequence = afterSequence;
    if (authorization !== undefined) {
      this.authorization = authorization;
      this.phase = "streaming";
      this.subscribe(afterSequence);
      return;
    }
    this.authTimer = setTimeout(
      () => this.fail(CLOSE.POLICY, "UNAUTHORIZED", `no {"type":"auth"} message within ${this.deps.authTimeoutMs} ms`),
      this.deps.authTimeoutMs,
    );
  }

  /** Closes with `code` and `reason` (shutdown, missed pong). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.deps.metrics.wsClosed.inc({ reason: String(code) });
    this.dispose();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, closeReason(reason));
  }

  /** Sends a protocol ping (the hub's keepalive round). */
  ping(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }

  /** Drops the connection at once (no close handshake): for peers that stopped answering. */
  terminate(): void {
    this.deps.metrics.wsClosed.inc({ reason: "terminated" });
    this.dispose();
    this.ws.terminate();
  }

  private dispose(): void {
    this.closed = true;
    clearTimeout(this.authTimer);
    this.upstream?.abort();
    this.upstream = undefined;
    this.balance.stop();
  }

  /** "off" for a key that may not read the balance; otherwise when to open the next WatchBalance. */
  private balanceEnded(err: unknown, failures: number): "off" | number {
    const delay = backoffDelay(failures, BALANCE_RETRY_BASE_MS, BALANCE_RETRY_MAX_MS);
    if (err === undefined) {
      // A clean end: the control plane is shutting down.
      this.deps.log.debug({ failures }, "realtime balance stream ended; reopening");
      return delay;
    }
    const e = toRestError(err);
    if (FATAL.has(e.code)) {
      // Typically FORBIDDEN: the key lacks billing:read. The client just gets no balance.updated.
      this.deps.log.debug({ code: e.code }, "realtime balance.updated off for this client");
      return "off";
    }
    this.deps.log.debug({ code: e.code, message: e.message, failures }, "realtime balance stream failed; reopening");
    return Math.max(e.details.retryAfterMs ?? 0, delay);
  }

  private send(message: unknown): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(message));
    if (this.ws.bufferedAmount > this.deps.maxBufferedBytes) {
      this.close(CLOSE.SLOW_CONSUMER, "slow consumer: reconnect with ?after=<your last sequence>");
      // The close frame queues behind the unsent data; do not wait for a reader that may never come back.
      setTimeout(() => this.ws.terminate(), 5_000).unref();
    }
  }

  /** Tells the client what went wrong, then closes. */
  private fail(code: number, errorCode: string, message: string, err?: RestError): void {
    this.send({ type: "error", error: err ? err.envelope().error : { code: errorCode, message, details: {} } });
    this.close(code, `${errorCode}: ${message}`);
  }

  private async onMessage(text: string): Promise<void> {
    if (this.closed) return;
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.send({ type: "error", error: { code: "VALIDATION_ERROR", message: parsed.problem, details: {} } });
      return;
    }
    const m = parsed.message;
    if (m.type === "ping") return this.send({ type: "pong" });
    if (m.type === "auth") {
      if (this.phase !== "awaiting-auth") {
        this.send({ type: "error", error: { code: "VALIDATION_ERROR", message: "already authenticated", details: {} } });
        return;
      }
      this.phase = "authenticating";
      clearTimeout(this.authTimer);
      const authorization = `Bearer ${m.apiKey}`;
      try {
        await probeCredential(this.deps.cp, authorization, this.deps.requestId);
      } catch (err) {
        const e = toRestError(err);
        // A refused key breaks the policy; a throttled or unreachable control plane is worth a later retry.
        return this.fail(FATAL.has(e.code) ? CLOSE.POLICY : CLOSE.TRY_AGAIN_LATER, e.code, e.message, e);
      }
      if (this.closed) return;
      this.authorization = authorization;
      this.phase = "streaming";
      this.subscribe(this.lastSequence);
      return;
    }
    if (this.phase !== "streaming") {
      return this.fail(CLOSE.POLICY, "UNAUTHORIZED", 'authenticate first: {"type":"auth","apiKey":"…"}');
    }
    this.subscribe(m.afterSequence);
  }

  /** (Re)starts the upstream after `afterSequence`; any earlier upstream is aborted. */
  private subscribe(afterSequence: bigint): void {
    this.upstream?.abort();
    const generation = ++this.generation;
    const controller = new AbortController();
    this.upstream = controller;
    this.lastSequence = afterSequence;
    void this.pump(generation, controller.signal);
    // After the WatchJobs call went out. With afterSequence 0 the control plane starts "from now",
    // at the moment it registers the call: events of that instant may precede it (see README).
    this.send({ type: "ready", afterSequence: Number(afterSequence) });
    // The first subscribe opens the session's one WatchBalance; a later one repeats the last balance.
    this.balance.resend();
    this.balance.start();
  }

  private async pump(generation: number, signal: AbortSignal): Promise<void> {
    let failures = 0;
    const current = () => !this.closed && generation === this.generation && !signal.aborted;
    while (current()) {
      let delivered = false;
      try {
        const stream = this.deps.cp.jobs.watchJobs(
          { afterSequence: this.lastSequence },
          callOptions({ authorization: this.authorization, requestId: this.deps.requestId, signal }, true),
        );
        for await (const { event } of stream) {
          if (!current()) return;
          if (event) this.deliver(event);
          delivered = true;
          failures = 0;
        }
        // A clean end: the control plane is shutting down. Resume from lastSequence.
      } catch (err) {
        if (!current()) return;
        const e = toRestError(err);
        if (FATAL.has(e.code)) return this.fail(CLOSE.POLICY, e.code, e.message, e);
        this.deps.log.warn({ code: e.code, message: e.message }, "realtime upstream failed; resuming");
      }
      if (!delivered && ++failures >= MAX_UPSTREAM_FAILURES) {
        return this.close(CLOSE.TRY_AGAIN_LATER, `control plane unavailable: reconnect with ?after=${this.lastSequence}`);
      }
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(failures + 1, RETRY_BASE_MS, RETRY_MAX_MS)));
    }
  }

  private deliver(event: JobEvent): void {
    if (event.sequence <= this.lastSequence && this.lastSequence !== 0n) return;
    this.lastSequence = event.sequence;
    this.send(eventJson(event));
  }
}
