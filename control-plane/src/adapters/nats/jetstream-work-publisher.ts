/**
 * WorkPublisher on JetStream: each job's DispatchMessage (binary Protobuf) to
 * jobplane.dispatch.<type> with msg id `<jobId>:<attempt>`, all of a batch in
 * flight at once on the one connection. The dispatch stream's dedup window
 * turns a republish of the same attempt into a `duplicate` ack, so a pass that
 * crashed after publishing and before marking is repaired by the next.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import type { JetStreamClient } from "@nats-io/jetstream";
import { DispatchMessageSchema } from "../../../../proto/gen/jobplane/v1/dispatch_pb.js";
import type { NatsNames } from "../../../../proto/nats/names.js";
import { dispatchMsgId, type DispatchCandidate, type PublishOutcome, type WorkPublisher } from "../../app/work-publisher.js";

export interface JetStreamWorkPublisherOptions {
  /** How long to wait for each publish ack (default 5000 ms). */
  readonly timeoutMs?: number;
}

export function encodeDispatchMessage(job: DispatchCandidate): Uint8Array {
  return toBinary(
    DispatchMessageSchema,
    create(DispatchMessageSchema, {
      jobId: job.jobId,
      attempt: job.attempt,
      type: job.type,
      orgId: job.orgId,
      priority: job.priority,
    }),
  );
}

export function createJetStreamWorkPublisher(
  js: JetStreamClient,
  names: NatsNames,
  options: JetStreamWorkPublisherOptions = {},
): WorkPublisher {
  const timeout = options.timeoutMs ?? 5000;
  const publishOne = async (job: DispatchCandidate): Promise<PublishOutcome> => {
    try {
      const ack = await js.publish(names.dispatchSubject(job.type), encodeDispatchMessage(job), {
        msgID: dispatchMsgId(job),
        expect: { streamName: names.dispatchStream },
        timeout,
        retries: 1,
      });
      return { job, ok: true, duplicate: ack.duplicate };
    } catch (error) {
      return { job, ok: false, error };
    }
  };
  return { publishAll: (jobs) => Promise.all(jobs.map(publishOne)) };
}
