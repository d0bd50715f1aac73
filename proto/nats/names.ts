/**
 * The NATS contract between jobplane's processes and anyone who subscribes:
 * stream names, subjects and consumer names, in one place beside the protos
 * (components import each other only through proto/). Every name can carry a
 * prefix (JOBPLANE_NATS_PREFIX) so tests, or two deployments sharing one
 * NATS, stay apart; production runs with none.
 *
 *   stream JOBPLANE_DISPATCH  work queue   jobplane.dispatch.<type>          DispatchMessage (binary proto)
 *   stream JOBPLANE_EVENTS    limits       jobplane.events.<orgId>.<jobId>   JobEvent (canonical proto JSON)
 *                                          jobplane.events.<orgId>.balance   balance.* JobEvents (job ids start job_: no clash)
 *   stream JOBPLANE_DLQ       limits       jobplane.dlq.<type>               the dead-lettered DispatchMessage
 *   stream JOBPLANE_ADVISORIES limits      $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<dispatch stream>.>
 *   core   jobplane.agents.<agentId>.control   cancel pushes between control-plane instances
 *
 * Consumers: one durable pull consumer per job type on JOBPLANE_DISPATCH
 * (dispatchConsumer), the control plane's durable `dead_letter` on
 * JOBPLANE_ADVISORIES (deadLetterConsumer), and the gateways' durable
 * `webhooks` on JOBPLANE_EVENTS (webhookConsumer; the control plane creates it
 * with the stream so no event is missed while no gateway runs).
 */
import { createHash } from "node:crypto";

export interface NatsNames {
  readonly dispatchStream: string;
  readonly eventsStream: string;
  readonly dlqStream: string;
  readonly advisoryStream: string;
  /** Every dispatch subject: the dispatch stream's filter. */
  readonly dispatchSubjects: string;
  readonly eventSubjects: string;
  readonly dlqSubjects: string;
  /** The server's max-deliveries advisories for the dispatch stream's consumers. */
  readonly maxDeliveriesAdvisories: string;
  dispatchSubject(type: string): string;
  dlqSubject(type: string): string;
  eventSubject(orgId: string, jobId: string): string;
  /** Events of one org: `jobplane.events.<orgId>.>`. */
  orgEventSubjects(orgId: string): string;
  /** The durable pull consumer shared by every agent of a job type. */
  dispatchConsumer(type: string): string;
  agentControlSubject(agentId: string): string;
  /** The control plane's durable consumer of the advisory stream (dead-lettering). */
  readonly deadLetterConsumer: string;
  /** The durable pull consumer of JOBPLANE_EVENTS that feeds webhook deliveries (shared by gateways). */
  readonly webhookConsumer: string;
}

/** Header that carries the event type (e.g. "job.completed") on JOBPLANE_EVENTS messages. */
export const EVENT_TYPE_HEADER = "Jobplane-Event-Type";

/** The last subject token of an org's balance.* events: `eventSubject(orgId, BALANCE_SUBJECT_TOKEN)`. */
export const BALANCE_SUBJECT_TOKEN = "balance";

/**
 * Headers on a JOBPLANE_DLQ message (its body is the original DispatchMessage):
 * where it came from and how often JetStream tried to deliver it.
 */
export const DLQ_HEADERS = {
  /** The dispatch message's id, `<jobId>:<attempt>`. */
  originalMsgId: "Jobplane-Dlq-Original-Msg-Id",
  /** The subject it was published to, jobplane.dispatch.<type>. */
  originalSubject: "Jobplane-Dlq-Original-Subject",
  /** Its sequence in the dispatch stream. */
  streamSeq: "Jobplane-Dlq-Stream-Seq",
  /** The consumer that exhausted its deliveries. */
  consumer: "Jobplane-Dlq-Consumer",
  /** How many times it was delivered. */
  deliveries: "Jobplane-Dlq-Deliveries",
} as const;

/**
 * @param prefix e.g. "t1a2b3c4" → subjects "t1a2b3c4.jobplane…", streams
 *   "T1A2B3C4_JOBPLANE_…". Empty for production names.
 */
export function natsNames(prefix = ""): NatsNames {
  if (prefix && !/^[A-Za-z0-9_-]+$/.test(prefix)) throw new Error(`invalid NATS prefix "${prefix}"`);
  const s = prefix ? `${prefix}.` : "";
  const stream = (name: string) => (prefix ? `${prefix.toUpperCase()}_${name}` : name);
  const dispatchStream = stream("JOBPLANE_DISPATCH");
  return {
    dispatchStream,
    eventsStream: stream("JOBPLANE_EVENTS"),
    dlqStream: stream("JOBPLANE_DLQ"),
    advisoryStream: stream("JOBPLANE_ADVISORIES"),
    dispatchSubjects: `${s}jobplane.dispatch.>`,
    eventSubjects: `${s}jobplane.events.>`,
    dlqSubjects: `${s}jobplane.dlq.>`,
    maxDeliveriesAdvisories: `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${dispatchStream}.>`,
    dispatchSubject: (type) => `${s}jobplane.dispatch.${type}`,
    dlqSubject: (type) => `${s}jobplane.dlq.${type}`,
    eventSubject: (orgId, jobId) => `${s}jobplane.events.${orgId}.${jobId}`,
    orgEventSubjects: (orgId) => `${s}jobplane.events.${orgId}.>`,
    dispatchConsumer: (type) => {
      // Consumer names allow no dots; the hash keeps "a.b" and "a_b" apart.
      const digest = createHash("sha256").update(type).digest("hex").slice(0, 8);
      return `dispatch_${type.replace(/[^A-Za-z0-9_-]/g, "_")}_${digest}`;
    },
    agentControlSubject: (agentId) => `${s}jobplane.agents.${agentId}.control`,
    deadLetterConsumer: "dead_letter",
    webhookConsumer: "webhooks",
  };
}
