/**
 * Per-test NATS isolation. Every stream and subject a test creates carries a
 * unique prefix, so test files run in parallel on one server; `cleanup()`
 * deletes every stream with that prefix, and a leftover from a crashed run is
 * removed by the next global setup (streams named T_… older than an hour).
 */
import { randomBytes } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsNames, type NatsNames } from "../../proto/nats/names.js";

export const TEST_NATS_URL = process.env.NATS_URL || "nats://127.0.0.1:4222";

export interface TestNats {
  readonly url: string;
  /** Prefix for stream names, e.g. "T_1A2B3C4D_" (upper case, as stream names go). */
  readonly streamPrefix: string;
  /** Prefix for subjects, e.g. "t1A2B3C4D." — put it before every subject. */
  readonly subjectPrefix: string;
  /**
   * The natsNames() / JOBPLANE_NATS_PREFIX prefix, e.g. "T_1A2B3C4D": the
   * streams it makes start with streamPrefix, so cleanup() removes them.
   */
  readonly prefix: string;
  /**
   * jobplane's stream, subject and consumer names under this test's prefix
   * (streams "T_1A2B3C4D_JOBPLANE_…", removed by cleanup()).
   */
  readonly names: NatsNames;
  /** A connection for the test's own use; closed by cleanup(). */
  readonly nc: NatsConnection;
  /** Deletes the test's streams and closes the connection. */
  cleanup(): Promise<void>;
}

export async function createTestNats(): Promise<TestNats> {
  // Upper-case hex: natsNames() upper-cases the prefix of stream names, and
  // cleanup() must recognise them by streamPrefix.
  const id = randomBytes(4).toString("hex").toUpperCase();
  const streamPrefix = `T_${id}_`;
  const nc = await connect({ servers: TEST_NATS_URL, name: `test-${id}` });
  return {
    url: TEST_NATS_URL,
    streamPrefix,
    subjectPrefix: `t${id}.`,
    prefix: `T_${id}`,
    names: natsNames(`T_${id}`),
    nc,
    async cleanup() {
      // Idempotent: a test may clean up early and its afterEach again.
      if (nc.isClosed()) return;
      await deleteStreams(nc, (name) => name.startsWith(streamPrefix));
      await nc.close();
    },
  };
}

/** Deletes the streams whose names pass `select`. */
export async function deleteStreams(nc: NatsConnection, select: (name: string) => boolean): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const doomed: string[] = [];
  for await (const name of jsm.streams.names()) if (select(name)) doomed.push(name);
  await Promise.all(doomed.map((name) => jsm.streams.delete(name)));
  return doomed;
}
