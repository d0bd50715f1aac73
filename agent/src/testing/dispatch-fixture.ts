/**
 * The dispatch side of JetStream as the control plane sets it up (a work
 * queue stream on jobplane.dispatch.>, one durable pull consumer per type with
 * explicit acks, max_deliver and backoff), built by a test so the agent's
 * integration tests need no control plane. Publishes DispatchMessages and
 * records the server's MAX_DELIVERIES and MSG_TERMINATED advisories.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { nanos, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { DispatchMessageSchema } from "../../../proto/gen/jobplane/v1/dispatch_pb.js";
import type { NatsNames } from "../../../proto/nats/names.js";
import { waitOnChanges } from "./wait-on-changes.js";

export interface Advisory {
  readonly kind: "max_deliveries" | "terminated";
  readonly consumer: string;
  readonly streamSeq: number;
  readonly deliveries: number | undefined;
}

export class DispatchFixture {
  readonly advisories: Advisory[] = [];
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    readonly names: NatsNames,
    private readonly subs: Subscription[],
    private readonly backoffMs: readonly number[],
    private readonly maxDeliver: number,
  ) {}

  /** Creates the durable pull consumer of `type` the way the control plane does. */
  async addConsumer(type: string): Promise<void> {
    await this.jsm.consumers.add(this.names.dispatchStream, {
      durable_name: this.names.dispatchConsumer(type),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.names.dispatchSubject(type),
      max_deliver: this.maxDeliver,
      ack_wait: nanos(this.backoffMs[0]!),
      backoff: this.backoffMs.map((ms) => nanos(ms)),
    });
  }

  static async create(
    nc: NatsConnection,
    names: NatsNames,
    types: readonly string[],
    options: { backoffMs?: readonly number[]; maxDeliver?: number } = {},
  ): Promise<DispatchFixture> {
    const jsm = await jetstreamManager(nc);
    const backoff = options.backoffMs ?? [300, 600, 900];
    await jsm.streams.add({
      name: names.dispatchStream,
      subjects: [names.dispatchSubjects],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.Memory,
    });
    const fixture = new DispatchFixture(nc, jsm, names, [], backoff, options.maxDeliver ?? 4);
    for (const type of types) await fixture.addConsumer(type);
    const advisory = (kind: Advisory["kind"], subject: string) => {
      const sub = nc.subscribe(subject, {
        callback: (_err, msg) => {
          const body = msg.json<{ consumer: string; stream_seq: number; deliveries?: number }>();
          fixture.advisories.push({ kind, consumer: body.consumer, streamSeq: body.stream_seq, deliveries: body.deliveries });
          fixture.notify();
        },
      });
      fixture.subs.push(sub);
    };
    advisory("max_deliveries", `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${names.dispatchStream}.>`);
    advisory("terminated", `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${names.dispatchStream}.>`);
    await nc.flush();
    return fixture;
  }

  async publish(message: { jobId: string; attempt?: number; type: string; orgId?: string }): Promise<number> {
    const attempt = message.attempt ?? 1;
    const body = toBinary(
      DispatchMessageSchema,
      create(DispatchMessageSchema, { jobId: message.jobId, attempt, type: message.type, orgId: message.orgId ?? "org_test" }),
    );
    const ack = await jetstream(this.nc).publish(this.names.dispatchSubject(message.type), body, { msgID: `${message.jobId}:${attempt}` });
    return ack.seq;
  }

  async publishRaw(type: string, body: Uint8Array): Promise<number> {
    return (await jetstream(this.nc).publish(this.names.dispatchSubject(type), body)).seq;
  }

  async streamMessages(): Promise<number> {
    return (await this.jsm.streams.info(this.names.dispatchStream)).state.messages;
  }

  async consumerState(type: string): Promise<{ numPending: number; numAckPending: number; numRedelivered: number }> {
    const info = await this.jsm.consumers.info(this.names.dispatchStream, this.names.dispatchConsumer(type));
    return { numPending: info.num_pending, numAckPending: info.num_ack_pending, numRedelivered: info.num_redelivered };
  }

  waitForAdvisory(what: string, pick: (a: Advisory) => boolean, timeoutMs = 15_000): Promise<Advisory> {
    return waitOnChanges(this.listeners, what, () => this.advisories.find(pick), timeoutMs);
  }

  close(): void {
    for (const sub of this.subs) sub.unsubscribe();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** Polls `probe` until it returns true or the deadline passes (for server state with no event to wait on). */
export async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
