import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterEach, describe, expect, it } from "vitest";
import { createTestNats, type TestNats } from "./test-nats.js";

describe("createTestNats", () => {
  let nats: TestNats | undefined;
  afterEach(async () => nats?.cleanup());

  it("gives each test its own prefix and removes its streams afterwards", async () => {
    nats = await createTestNats();
    const other = await createTestNats();
    expect(other.streamPrefix).not.toBe(nats.streamPrefix);

    const jsm = await jetstreamManager(nats.nc);
    const name = `${nats.streamPrefix}PROBE`;
    await jsm.streams.add({ name, subjects: [`${nats.subjectPrefix}probe.>`] });
    const ack = await jetstream(nats.nc).publish(`${nats.subjectPrefix}probe.x`, "hello");
    expect(ack.stream).toBe(name);

    await nats.cleanup();
    nats = undefined;
    const names: string[] = [];
    for await (const n of (await jetstreamManager(other.nc)).streams.names()) names.push(n);
    expect(names).not.toContain(name);
    await other.cleanup();
  });
});
