import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import type { Arrival } from "./webhook-receiver.js";
import { arrivalRate, checkExactlyOnce, completionLatencies, sampleOf, verifySample } from "./webhook-tally.js";

const SECRET = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;

function arrival(id: string, atMs: number, body = "{}", signature = ""): Arrival {
  return { atMs, webhookId: id, webhookTimestamp: "0", webhookSignature: signature, userAgent: "jobplane-webhooks/1", body };
}

function signed(id: string, body: string, secret = SECRET): Arrival {
  const at = new Date();
  return {
    ...arrival(id, at.getTime(), body, new Webhook(secret).sign(id, at, body)),
    webhookTimestamp: String(Math.floor(at.getTime() / 1000)),
  };
}

describe("checkExactlyOnce", () => {
  it("passes when every expected id arrived once", () => {
    expect(() => checkExactlyOnce("t", [arrival("evt_b", 2), arrival("evt_a", 1)], ["evt_a", "evt_b"])).not.toThrow();
  });

  it("fails naming what is missing", () => {
    expect(() => checkExactlyOnce("t", [arrival("evt_a", 1)], ["evt_a", "evt_b"])).toThrow(/missing 1 \(e\.g\. evt_b\)/);
  });

  it("fails on a duplicate by webhook-id, even when the count matches", () => {
    expect(() => checkExactlyOnce("t", [arrival("evt_a", 1), arrival("evt_a", 2)], ["evt_a", "evt_b"])).toThrow(
      /missing 1 .*duplicated 1 \(e\.g\. evt_a ×2\)/,
    );
  });

  it("fails on an id nobody expected", () => {
    expect(() => checkExactlyOnce("t", [arrival("evt_a", 1), arrival("evt_x", 2)], ["evt_a"])).toThrow(/unexpected 1 \(e\.g\. evt_x\)/);
  });
});

describe("sampleOf", () => {
  it("spreads the sample evenly, the first and last included", () => {
    expect(sampleOf([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4)).toEqual([0, 3, 6, 9]);
  });

  it("takes everything when the list is small", () => {
    expect(sampleOf([1, 2], 5)).toEqual([1, 2]);
  });
});

describe("verifySample", () => {
  it("verifies signatures made with the secret", () => {
    const arrivals = [signed("evt_1", '{"a":1}'), signed("evt_2", '{"a":2}')];
    expect(verifySample("t", arrivals, SECRET, 10)).toBe(2);
  });

  it("fails on a signature made with another secret, naming the webhook", () => {
    const other = `whsec_${Buffer.alloc(32, 2).toString("base64")}`;
    expect(() => verifySample("t", [signed("evt_1", "{}", other)], SECRET, 10)).toThrow(/evt_1 does not verify/);
  });

  it("fails on a body changed after signing", () => {
    const a = signed("evt_1", '{"a":1}');
    expect(() => verifySample("t", [{ ...a, body: '{"a":2}' }], SECRET, 10)).toThrow(/does not verify/);
  });
});

describe("completionLatencies", () => {
  it("is arrival − data.completedAt per job.completed", () => {
    const body = JSON.stringify({ type: "job.completed", timestamp: "x", data: { id: "job_1", completedAt: 1000 } });
    expect(completionLatencies([arrival("evt_1", 1012.5, body)])).toEqual([{ jobId: "job_1", ms: 12.5 }]);
  });

  it("refuses another event type or a body without completedAt", () => {
    const created = JSON.stringify({ type: "job.created", data: { id: "job_1", completedAt: null } });
    expect(() => completionLatencies([arrival("evt_1", 1, created)])).toThrow(/not a job\.completed/);
  });
});

describe("arrivalRate", () => {
  it("counts arrivals per second from the first (or a given start) to the last", () => {
    const arrivals = [arrival("a", 1000), arrival("b", 3000), arrival("c", 2000)];
    expect(arrivalRate(arrivals)).toEqual({ count: 3, seconds: 2, perSecond: 1.5 });
    expect(arrivalRate(arrivals, 0)).toEqual({ count: 3, seconds: 3, perSecond: 1 });
  });

  it("is zero for no arrivals", () => {
    expect(arrivalRate([])).toEqual({ count: 0, seconds: 0, perSecond: 0 });
  });
});
