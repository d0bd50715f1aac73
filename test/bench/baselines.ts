/**
 * Raw baselines on the same servers as the benchmark, measured in the same
 * run: what JetStream and PostgreSQL do on their own for the simplest version
 * of the work jobplane does per job.
 *
 *  - JetStream: a work-queue stream like JOBPLANE_DISPATCH (file storage,
 *    msg-id de-duplication); N small messages published with `inFlight`
 *    publishes awaiting their acks, while a durable pull consumer consumes
 *    and acks them. Timed from the first publish to the last ack.
 *  - PostgreSQL: N rows in a queue table, claimed by `workers` connections
 *    in a loop of one autocommitted `UPDATE … WHERE id = (SELECT … FOR
 *    UPDATE SKIP LOCKED LIMIT 1)` each until none is left. Timed from the
 *    first claim to the last.
 */
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import pg from "pg";

export interface BaselineResult {
  readonly count: number;
  readonly seconds: number;
  /** count / seconds. */
  readonly perSecond: number;
}

function result(count: number, startMs: number, endMs: number): BaselineResult {
  const seconds = (endMs - startMs) / 1000;
  return { count, seconds, perSecond: count / seconds };
}

export interface JetStreamBaselineOptions {
  readonly nc: NatsConnection;
  /** A stream name of the run's prefix (deleted afterwards). */
  readonly stream: string;
  readonly subject: string;
  readonly count: number;
  /** Publishes awaiting their ack at once. */
  readonly inFlight: number;
}

export async function jetStreamBaseline(options: JetStreamBaselineOptions): Promise<BaselineResult> {
  const { nc, stream, subject, count } = options;
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: stream,
    subjects: [subject],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(120_000),
  });
  try {
    await jsm.consumers.add(stream, { durable_name: "baseline", ack_policy: AckPolicy.Explicit, filter_subject: subject });
    const js = jetstream(nc);
    const consumer = await js.consumers.get(stream, "baseline");
    const payload = new TextEncoder().encode(JSON.stringify({ jobId: "job_0123456789abcdef", attempt: 1, type: "test.echo" }));

    const start = performance.now();
    let acked = 0;
    const consuming = (async () => {
      const messages = await consumer.consume({ max_messages: 256 });
      for await (const msg of messages) {
        msg.ack();
        if (++acked === count) messages.stop();
      }
    })();
    let next = 0;
    const publisher = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        await js.publish(subject, payload, { msgID: `baseline-${i}`, expect: { streamName: stream } });
      }
    };
    await Promise.all(Array.from({ length: options.inFlight }, publisher));
    await consuming;
    await nc.flush(); // the last acks reached the server
    return result(count, start, performance.now());
  } finally {
    await jsm.streams.delete(stream).catch(() => undefined);
  }
}

export interface PostgresBaselineOptions {
  readonly databaseUrl: string;
  readonly count: number;
  readonly workers: number;
}

const CLAIM = `
  update bench_baseline_queue q set status = 'claimed', claimed_by = $1, claimed_at = now()
   where q.id = (select id from bench_baseline_queue
                  where status = 'waiting' order by id limit 1 for update skip locked)
  returning q.id`;

export async function postgresBaseline(options: PostgresBaselineOptions): Promise<BaselineResult> {
  const clients = Array.from({ length: options.workers }, () => new pg.Client({ connectionString: options.databaseUrl }));
  await Promise.all(clients.map((c) => c.connect()));
  const [setup] = clients;
  try {
    await setup!.query(`create table bench_baseline_queue (
      id bigserial primary key, status text not null, payload jsonb not null,
      claimed_by integer, claimed_at timestamptz)`);
    await setup!.query("create index on bench_baseline_queue (id) where status = 'waiting'");
    await setup!.query(
      `insert into bench_baseline_queue (status, payload)
       select 'waiting', jsonb_build_object('i', i) from generate_series(1, $1) i`,
      [options.count],
    );
    await setup!.query("analyze bench_baseline_queue");

    let claimed = 0;
    const start = performance.now();
    await Promise.all(
      clients.map(async (client, worker) => {
        for (;;) {
          const { rowCount } = await client.query(CLAIM, [worker]);
          if (!rowCount) return;
          claimed++;
        }
      }),
    );
    const end = performance.now();
    if (claimed !== options.count) throw new Error(`claimed ${claimed} of ${options.count} rows`);
    return result(claimed, start, end);
  } finally {
    await setup!.query("drop table if exists bench_baseline_queue").catch(() => undefined);
    await Promise.all(clients.map((c) => c.end()));
  }
}
