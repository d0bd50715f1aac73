import { describe, expect, it } from "vitest";
import { captureLogger } from "../../../test/support/capture-logger.js";
import { TEST_NATS_URL } from "../../../test/support/test-nats.js";
import { until } from "../../../test/support/until.js";
import { connectGatewayNats } from "./nats-connection.js";

describe("connectGatewayNats", () => {
  it("connects", async () => {
    const log = captureLogger();
    const nc = await connectGatewayNats({ url: TEST_NATS_URL, log: log.logger, signal: new AbortController().signal });
    expect(nc).toBeDefined();
    await log.waitFor("nats connected");
    await nc!.close();
  });

  it("keeps retrying an unreachable NATS, logging it, until stopped", async () => {
    const log = captureLogger();
    const stop = new AbortController();
    const pending = connectGatewayNats({ url: "nats://127.0.0.1:1", log: log.logger, signal: stop.signal, retryBaseMs: 10, retryMaxMs: 20 });
    const failures = () => log.lines.filter((l) => l.msg === "nats unreachable: webhook intake waits; retrying").length;
    await until("a retry", Date.now() + 10_000, async () => (failures() >= 2 ? true : undefined));
    stop.abort();
    expect(await pending).toBeUndefined();
  });
});
