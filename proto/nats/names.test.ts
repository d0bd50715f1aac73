import { describe, expect, it } from "vitest";
import { natsNames } from "./names.js";

describe("natsNames", () => {
  it("uses the documented production names without a prefix", () => {
    const n = natsNames();
    expect(n.dispatchStream).toBe("JOBPLANE_DISPATCH");
    expect(n.dispatchSubject("test.echo")).toBe("jobplane.dispatch.test.echo");
    expect(n.eventSubject("org_1", "job_2")).toBe("jobplane.events.org_1.job_2");
    expect(n.maxDeliveriesAdvisories).toBe("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.JOBPLANE_DISPATCH.>");
  });

  it("prefixes every stream and subject", () => {
    const n = natsNames("t1a2");
    expect(n.eventsStream).toBe("T1A2_JOBPLANE_EVENTS");
    expect(n.dispatchSubjects).toBe("t1a2.jobplane.dispatch.>");
    expect(n.orgEventSubjects("org_1")).toBe("t1a2.jobplane.events.org_1.>");
  });

  it("makes consumer names without dots that keep similar types apart", () => {
    const n = natsNames();
    expect(n.dispatchConsumer("test.echo")).toMatch(/^dispatch_test_echo_[0-9a-f]{8}$/);
    expect(n.dispatchConsumer("test.echo")).not.toBe(n.dispatchConsumer("test_echo"));
  });

  it("refuses prefixes that would break subjects", () => {
    expect(() => natsNames("a.b")).toThrow(/invalid NATS prefix/);
  });
});
