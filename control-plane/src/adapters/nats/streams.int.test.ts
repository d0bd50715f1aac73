import { jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { afterEach, describe, expect, it } from "vitest";
import { createTestNats, type TestNats } from "../../../../test/support/test-nats.js";
import { ensureDispatchConsumer, ensureStreams } from "./streams.js";

describe("ensureStreams / ensureDispatchConsumer", () => {
  let nats: TestNats | undefined;
  afterEach(async () => {
    await nats?.cleanup();
    nats = undefined;
  });

  it("creates the four streams once; a second run changes nothing", async () => {
    nats = await createTestNats();
    const { names } = nats;
    const jsm = await jetstreamManager(nats.nc);
    await ensureStreams(jsm, names, { eventsMaxAgeMs: 3_600_000 });
    const first = await Promise.all(
      [names.dispatchStream, names.eventsStream, names.dlqStream, names.advisoryStream].map((s) => jsm.streams.info(s)),
    );
    await ensureStreams(jsm, names, { eventsMaxAgeMs: 3_600_000 });
    const second = await Promise.all(first.map((i) => jsm.streams.info(i.config.name)));
    expect(second.map((i) => i.config)).toEqual(first.map((i) => i.config));
    expect(second.map((i) => i.created)).toEqual(first.map((i) => i.created));

    const [dispatch, events, dlq, advisories] = second.map((i) => i.config);
    expect(dispatch).toMatchObject({ retention: RetentionPolicy.Workqueue, subjects: [names.dispatchSubjects] });
    expect(dispatch!.duplicate_window).toBe(nanos(120_000));
    expect(events).toMatchObject({ retention: RetentionPolicy.Limits, subjects: [names.eventSubjects], max_age: nanos(3_600_000) });
    expect(dlq).toMatchObject({ retention: RetentionPolicy.Limits, subjects: [names.dlqSubjects] });
    expect(advisories).toMatchObject({ subjects: [names.maxDeliveriesAdvisories] });
  });

  it("updates a changed setting in place", async () => {
    nats = await createTestNats();
    const jsm = await jetstreamManager(nats.nc);
    await ensureStreams(jsm, nats.names, { eventsMaxAgeMs: 3_600_000 });
    await ensureStreams(jsm, nats.names, { eventsMaxAgeMs: 7_200_000 });
    expect((await jsm.streams.info(nats.names.eventsStream)).config.max_age).toBe(nanos(7_200_000));
  });

  it("makes one durable pull consumer per type with max_deliver 4 and the backoff; idempotent, updatable", async () => {
    nats = await createTestNats();
    const { names } = nats;
    const jsm = await jetstreamManager(nats.nc);
    await ensureStreams(jsm, names);
    const opts = { maxDeliver: 4, backoffMs: [100, 200, 400] };
    const first = await ensureDispatchConsumer(jsm, names, "test.echo", opts);
    const again = await ensureDispatchConsumer(jsm, names, "test.echo", opts);
    expect(again.config).toEqual(first.config);
    expect(again.created).toBe(first.created);
    expect(first.config).toMatchObject({
      durable_name: names.dispatchConsumer("test.echo"),
      filter_subject: names.dispatchSubject("test.echo"),
      max_deliver: 4,
      backoff: [nanos(100), nanos(200), nanos(400)],
      max_ack_pending: 1000,
    });

    const changed = await ensureDispatchConsumer(jsm, names, "test.echo", { maxDeliver: 5, backoffMs: [100, 200, 400, 800] });
    expect(changed.config).toMatchObject({ max_deliver: 5, backoff: [nanos(100), nanos(200), nanos(400), nanos(800)] });
    expect(changed.created).toBe(first.created);

    // A second type gets its own, non-overlapping consumer on the work queue.
    const other = await ensureDispatchConsumer(jsm, names, "test.sleep", opts);
    expect(other.config.filter_subject).toBe(names.dispatchSubject("test.sleep"));
  });

  it("refuses a backoff list NATS 2.9 would reject", async () => {
    nats = await createTestNats();
    const jsm = await jetstreamManager(nats.nc);
    await expect(ensureDispatchConsumer(jsm, nats.names, "x", { maxDeliver: 3, backoffMs: [1, 2, 3] })).rejects.toThrow(
      /backoff/,
    );
  });
});
