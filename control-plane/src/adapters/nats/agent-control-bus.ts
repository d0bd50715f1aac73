/**
 * AgentControlBus over core NATS (no JetStream: a cancel push is worth
 * nothing once the agent's session is gone, and a lost one is repaired by the
 * agent's next heartbeat). Subject per agent: `jobplane.agents.<id>.control`
 * (proto/nats/names.ts); payload JSON `{jobId, attempt, reason}`.
 *
 * Also here: the AfterCommit handler for `notifyAgent` effects, which is how
 * a cancel or timeout committed on any instance reaches the instance holding
 * the agent's session (core NATS delivers to this instance's own
 * subscriptions too, so there is one path for local and remote sessions).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { NatsNames } from "../../../../proto/nats/names.js";
import type { AfterCommit } from "../../app/after-commit.js";
import { parseAgentNotice, type AgentControlBus, type AgentNotice } from "../../app/agent-control.js";

export interface BusLogger {
  warn(obj: object, msg: string): void;
}

const silent: BusLogger = { warn: () => {} };

export function createNatsAgentControlBus(nc: NatsConnection, names: NatsNames, logger: BusLogger = silent): AgentControlBus {
  return {
    async publish(agentId, notice) {
      nc.publish(names.agentControlSubject(agentId), JSON.stringify(notice));
    },

    async subscribe(agentId, onNotice) {
      const subject = names.agentControlSubject(agentId);
      const sub = nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) {
            logger.warn({ err, subject }, "agent control subscription failed");
            return;
          }
          let notice: AgentNotice | undefined;
          try {
            notice = parseAgentNotice(msg.json());
          } catch {
            notice = undefined;
          }
          if (notice === undefined) logger.warn({ subject }, "ignored a malformed agent control message");
          else onNotice(notice);
        },
      });
      // The server has the subscription once it answered the flush's PING:
      // a publish from any instance after this resolves reaches us.
      await nc.flush();
      return () => {
        try {
          if (!sub.isClosed()) sub.unsubscribe();
        } catch (err) {
          // The connection is closing: the subscription ends with it.
          logger.warn({ err, subject }, "could not unsubscribe from agent control");
        }
      };
    },
  };
}

/**
 * Carries out `notifyAgent` effects: tells the agent running the job (its
 * `agentId`) to abort the attempt. Never throws; failures are logged (the
 * agent's heartbeat repairs a lost notice).
 */
export function createNotifyAgentHandler(nc: NatsConnection, names: NatsNames, logger: BusLogger = silent): AfterCommit {
  const bus = createNatsAgentControlBus(nc, names, logger);
  return {
    async run(job, effects) {
      if (job.agentId === null) return;
      for (const effect of effects) {
        if (effect.kind !== "notifyAgent") continue;
        try {
          await bus.publish(job.agentId, { jobId: job.id, attempt: job.attempt, reason: effect.reason });
        } catch (err) {
          logger.warn({ err, jobId: job.id, agentId: job.agentId }, "could not notify the agent");
        }
      }
    },
  };
}
