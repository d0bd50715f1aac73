/**
 * AgentService.Session: one bidirectional stream per agent process (see the
 * design comment in agent_service.proto). The agent sends claims, heartbeats,
 * progress and results; the control plane answers each request that carries
 * a request_id ≠ 0 exactly once (claims always), and pushes CancelAttempt.
 *
 * Lifecycle of one session:
 *   authenticate (UNAUTHORIZED ends the call before anything else)
 *   → open: heartbeat recorded, registered in this instance's AgentRegistry
 *     (subscribed to the agent's control subject) — only then are messages read
 *   → serving: each message handled as it arrives, serialised per job
 *   → ending (agent closed its side, the call was cancelled, or the server is
 *     shutting down): queued work finishes, the registry entry is closed.
 * The agent's jobs are not failed when its stream ends: a reconnect within
 * the heartbeat timeout carries on; otherwise the sweeper fails them.
 */
import type { HandlerContext } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { SessionRequest } from "../../../../proto/gen/jobplane/v1/agent_service_pb.js";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import type { AgentSessionSettings } from "../../agent-config.js";
import type { AfterCommit } from "../../app/after-commit.js";
import { heartbeat } from "../../app/agent-heartbeat.js";
import type { AgentRegistry } from "../../app/agent-registry.js";
import type { AgentRecord, AgentStore } from "../../app/agent-store.js";
import { rejected, type AttemptRef } from "../../app/attempt-outcome.js";
import { authenticateAgent } from "../../app/authenticate-agent.js";
import { claimJob } from "../../app/claim-job.js";
import type { Clock } from "../../app/clock.js";
import { completeJob } from "../../app/complete-job.js";
import { failJob } from "../../app/fail-job.js";
import type { JobTypeTermsLookup } from "../../app/job-type-terms.js";
import { ProgressThrottle } from "../../app/progress-throttle.js";
import { reportProgress } from "../../app/report-progress.js";
import type { ProgressReport } from "../../domain/lifecycle-event.js";
import type { JobRecord } from "../postgres/job-record.js";
import type { JobStore } from "../postgres/job-store.js";
import {
  ackReply,
  cancelPush,
  claimReply,
  failureReport,
  storedOutput,
  type SessionResponseInit,
} from "./agent-messages.js";
import { KeyedSerializer } from "./keyed-serializer.js";
import { SessionOutbox } from "./session-outbox.js";

export interface AgentSessionDeps {
  readonly agents: AgentStore;
  readonly jobs: JobStore;
  readonly jobTypes: JobTypeTermsLookup;
  readonly registry: AgentRegistry;
  readonly afterCommit: AfterCommit;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: AgentSessionSettings;
  /** Aborted when the server shuts down: open sessions end (agents reconnect elsewhere). */
  readonly shutdown: AbortSignal;
}

const INTERNAL = { accepted: false, code: ErrorCode.INTERNAL_ERROR, message: "internal error" } as const;
const HEARTBEAT_KEY = "\u0000heartbeat";
const MAX_CLAIMED_HINTS = 10_000;

const attemptKey = (ref: AttemptRef) => `${ref.jobId}/${ref.attempt}`;

/** One open session: handles the agent's messages and queues the replies. */
class Conversation {
  readonly #serial = new KeyedSerializer();
  readonly #throttle: ProgressThrottle<{ ref: AttemptRef; progress: ProgressReport }>;
  /**
   * The job as each claim accepted on this session returned it, until the
   * attempt's result: completeJob then needs not read it again. Only a hint
   * (a result on another session reads the job), so it is simply dropped
   * when it grows past MAX_CLAIMED_HINTS (attempts never reported).
   */
  readonly #claimed = new Map<string, JobRecord>();

  constructor(
    private readonly deps: AgentSessionDeps,
    private readonly agent: AgentRecord,
    private readonly out: SessionOutbox<SessionResponseInit>,
  ) {
    this.#throttle = new ProgressThrottle(deps.settings.progressThrottleMs);
  }

  /** Starts handling one message; replies are queued when ready. */
  handle(req: SessionRequest): void {
    // A result makes the attempt's deferred progress moot: drop it before flushing the others.
    if (req.message.case === "complete" || req.message.case === "fail") {
      this.#throttle.forget(attemptKey(refOf(req.message.value.ref)));
    }
    this.#flushDueProgress();
    const id = req.requestId;
    const msg = req.message;
    switch (msg.case) {
      case "claim": {
        const ref = { jobId: msg.value.jobId, attempt: msg.value.attempt };
        this.#run(ref.jobId, async () => {
          const outcome = await claimJob(this.deps, this.agent, ref);
          if (outcome.accepted) {
            if (this.#claimed.size >= MAX_CLAIMED_HINTS) this.#claimed.clear();
            this.#claimed.set(attemptKey(ref), outcome.job);
          }
          this.out.push(claimReply(id, ref, outcome));
        }, () => this.out.push(claimReply(id, ref, INTERNAL)));
        return;
      }
      case "heartbeat": {
        const running = msg.value.running.map((r) => ({ jobId: r.jobId, attempt: r.attempt }));
        this.#run(HEARTBEAT_KEY, async () => {
          const stop = await heartbeat(this.deps.agents, this.agent.id, running, this.deps.clock());
          for (const notice of stop) this.out.push(cancelPush(notice));
          this.#replyIf(id, undefined, { accepted: true });
        }, () => this.#replyIf(id, undefined, INTERNAL));
        return;
      }
      case "progress": {
        const ref = refOf(msg.value.ref);
        const p = msg.value.progress;
        const progress = { percent: p?.percent ?? 0, step: p?.step ?? "", message: p?.message ?? "" };
        if (this.#throttle.offer(attemptKey(ref), { ref, progress }, this.deps.clock().getTime()) === "deferred") {
          this.#replyIf(id, ref, { accepted: false, code: ErrorCode.UNSPECIFIED, message: "throttled: the latest report is stored when the window ends" });
          return;
        }
        this.#run(ref.jobId, async () => {
          const outcome = await reportProgress(this.deps, ref, progress);
          if (!outcome.accepted) this.#throttle.forget(attemptKey(ref));
          this.#replyIf(id, ref, outcome);
        }, () => this.#replyIf(id, ref, INTERNAL));
        return;
      }
      case "complete": {
        const ref = refOf(msg.value.ref);
        const report = { output: storedOutput(msg.value.output), usageSeconds: msg.value.usageSeconds };
        const claimed = this.#takeClaimed(ref);
        this.#run(ref.jobId, async () => {
          this.#replyIf(id, ref, await completeJob(this.deps, this.agent.id, ref, report, claimed));
        }, () => this.#replyIf(id, ref, INTERNAL));
        return;
      }
      case "fail": {
        const ref = refOf(msg.value.ref);
        const report = failureReport(msg.value);
        this.#takeClaimed(ref);
        this.#run(ref.jobId, async () => {
          this.#replyIf(id, ref, await failJob(this.deps, this.agent.id, ref, report));
        }, () => this.#replyIf(id, ref, INTERNAL));
        return;
      }
      case undefined:
        this.#replyIf(id, undefined, rejected(ErrorCode.VALIDATION_ERROR, "empty or unknown session message"));
        return;
    }
  }

  #takeClaimed(ref: AttemptRef): JobRecord | undefined {
    const key = attemptKey(ref);
    const job = this.#claimed.get(key);
    this.#claimed.delete(key);
    return job;
  }

  /** Resolves when every message handed to handle() so far has been dealt with. */
  idle(): Promise<void> {
    return this.#serial.idle();
  }

  /** Stores each deferred progress report whose throttle window has ended (no reply: it was answered). */
  #flushDueProgress(): void {
    for (const [, { ref, progress }] of this.#throttle.takeDue(this.deps.clock().getTime())) {
      this.#run(ref.jobId, async () => {
        const outcome = await reportProgress(this.deps, ref, progress);
        if (!outcome.accepted) this.#throttle.forget(attemptKey(ref));
      }, () => {});
    }
  }

  #run(key: string, task: () => Promise<void>, onFailure: () => void): void {
    this.#serial.run(key, task, (err) => {
      this.deps.logger.error({ err, agentId: this.agent.id, key }, "agent session message failed");
      onFailure();
    });
  }

  #replyIf(id: bigint, ref: AttemptRef | undefined, outcome: Parameters<typeof ackReply>[2]): void {
    if (id !== 0n) this.out.push(ackReply(id, ref, outcome));
  }
}

function refOf(ref: { jobId: string; attempt: number } | undefined): AttemptRef {
  return { jobId: ref?.jobId ?? "", attempt: ref?.attempt ?? 0 };
}

/** The Session handler (bidi streaming). */
export function createSessionHandler(deps: AgentSessionDeps) {
  return async function* session(
    requests: AsyncIterable<SessionRequest>,
    ctx: HandlerContext,
  ): AsyncGenerator<SessionResponseInit> {
    const agent = await authenticateAgent(deps.agents, ctx.requestHeader.get("authorization"));
    await deps.agents.touch(agent.id, deps.clock());
    const out = new SessionOutbox<SessionResponseInit>();
    const end = () => out.close();
    const signals = [deps.shutdown, ctx.signal];
    for (const s of signals) s.addEventListener("abort", end, { once: true });
    if (signals.some((s) => s.aborted)) end();
    const log = deps.logger.child({ agentId: agent.id });
    let close = () => {};
    try {
      close = await deps.registry.open(agent.id, (notice) => out.push(cancelPush(notice)));
    } catch (err) {
      // Without the control subscription, cancels still reach the agent
      // through its heartbeats (a few seconds later): serve anyway.
      log.warn({ err }, "could not subscribe to the agent's control subject");
    }
    log.debug("agent session opened");

    const conversation = new Conversation(deps, agent, out);
    const reading = (async () => {
      try {
        for await (const req of requests) {
          if (out.closed) break;
          conversation.handle(req);
        }
      } catch (err) {
        // The agent went away mid-stream (reset, cancel): nothing to answer.
        log.debug({ err }, "agent session input ended abruptly");
      } finally {
        await conversation.idle();
        out.close();
      }
    })();

    try {
      yield* out;
    } finally {
      close();
      for (const s of signals) s.removeEventListener("abort", end);
      log.debug("agent session closed");
      void reading;
    }
  };
}
