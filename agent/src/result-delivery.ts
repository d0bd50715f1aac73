/**
 * Delivers an attempt's result over the session until the control plane
 * acknowledges it. Ack accepted → done; CONFLICT → already settled (logged,
 * dropped); INTERNAL_ERROR or UNAVAILABLE (the control plane's database is
 * unreachable) → retried with backoff until `stopSignal` aborts;
 * any other refusal → logged, dropped. A session that closes first ends it.
 */
import type { SessionResponse } from "../../proto/gen/jobplane/v1/agent_service_pb.js";
import { ErrorCode } from "../../proto/gen/jobplane/v1/errors_pb.js";
import type { AttemptOutcome, AttemptRef } from "./attempt-runner.js";
import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { sleep, type Clock } from "./clock.js";
import type { AgentLogger } from "./logger.js";
import type { AgentSession, SessionMessage } from "./session-client.js";

export interface ResultDeliveryOptions {
  readonly session: AgentSession;
  readonly logger: AgentLogger;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly retryBackoff: BackoffOptions;
  /** Aborted when the agent stops: no more retries. */
  readonly stopSignal: AbortSignal;
}

export async function deliverResult(options: ResultDeliveryOptions, ref: AttemptRef, outcome: AttemptOutcome): Promise<void> {
  const { logger, session } = options;
  const message: SessionMessage =
    outcome.kind === "completed" ? { case: "complete", value: outcome.report } : { case: "fail", value: outcome.report };
  for (let failures = 1; ; failures++) {
    let reply: SessionResponse;
    try {
      reply = await session.deliver(message, options.timeoutMs);
    } catch (err) {
      logger.error({ ...ref, err: err instanceof Error ? err.message : String(err) }, "result not delivered: the session closed first");
      return;
    }
    if (reply.message.case !== "ack") {
      logger.warn({ ...ref, reply: reply.message.case }, "unexpected reply to a result; dropping it");
      return;
    }
    const ack = reply.message.value;
    if (ack.accepted) {
      logger.debug(ref, "result recorded");
      return;
    }
    if (ack.code === ErrorCode.CONFLICT) {
      logger.info({ ...ref, reason: ack.message }, "the attempt was already settled: result dropped");
      return;
    }
    if (ack.code !== ErrorCode.INTERNAL_ERROR && ack.code !== ErrorCode.UNAVAILABLE) {
      logger.warn({ ...ref, code: ErrorCode[ack.code], reason: ack.message }, "the control plane refused the result");
      return;
    }
    logger.warn({ ...ref, reason: ack.message }, "the control plane could not record the result; retrying");
    try {
      await sleep(options.clock, backoffDelay(failures, options.retryBackoff), options.stopSignal);
    } catch {
      logger.error(ref, "result not delivered: the agent stopped while the control plane could not record it");
      return;
    }
  }
}
