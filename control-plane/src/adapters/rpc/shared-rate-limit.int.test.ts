/**
 * The per-key rate limit is shared by every control-plane instance on one
 * database: a free-plan key (30 requests/min) gets 30 calls in total across
 * two instances, not 30 each. Calls are AdminService.CreateApiKey made with
 * the org's own key (keys:write), which authenticates and counts like any
 * API-key call. The clock is injected and held still, so no call refills.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { AdminService } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { ErrorCode, ErrorDetailSchema } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { startTestControlPlane, TEST_ADMIN_TOKEN, type TestControlPlane } from "../../../../test/support/control-plane.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";

const T0 = new Date("2026-11-29T12:00:00.000Z");

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (outcome === undefined) throw new Error("expected the call to be refused, it succeeded");
  return ConnectError.from(outcome);
}

describe("rate limit shared by two control-plane instances", () => {
  const db = useTestDatabase();
  let now = T0;
  const clock = () => now;
  const started: TestControlPlane[] = [];

  afterEach(async () => {
    await Promise.all(started.splice(0).map((cp) => cp.close()));
    now = T0;
  });

  async function twoInstances(): Promise<[TestControlPlane, TestControlPlane]> {
    const a = await startTestControlPlane({ databaseUrl: db.url, clock });
    const b = await startTestControlPlane({ databaseUrl: db.url, clock });
    started.push(a, b);
    return [a, b];
  }

  it("allows 30 calls in total across both, then refuses the 31st on either with RATE_LIMITED and a retry-after", async () => {
    const [a, b] = await twoInstances();
    const { apiKey } = await a.client(AdminService, TEST_ADMIN_TOKEN).createOrg({ name: "acme", plan: "free", credits: 0n });
    const clients = [a.client(AdminService, apiKey), b.client(AdminService, apiKey, "grpc")] as const;

    for (let i = 0; i < 30; i++) {
      await expect((i % 2 === 0 ? clients[0] : clients[1]).createApiKey({ name: `k${i}` }), `call ${i + 1}`).resolves.toBeDefined();
    }
    for (const client of clients) {
      const err = await rejection(client.createApiKey({}));
      expect(err.code).toBe(Code.ResourceExhausted);
      const [detail] = err.findDetails(ErrorDetailSchema);
      expect(detail?.code).toBe(ErrorCode.RATE_LIMITED);
      expect(detail?.retryAfterMs).toBe(2000n); // one emission interval at 30/min
    }
    // Refusals are free: one interval later exactly one more call passes, on either instance.
    now = new Date(T0.getTime() + 2000);
    await expect(clients[1].createApiKey({})).resolves.toBeDefined();
    expect((await rejection(clients[0].createApiKey({}))).code).toBe(Code.ResourceExhausted);
  });

  it("never lets concurrent calls through both instances exceed the limit", async () => {
    const [a, b] = await twoInstances();
    const { apiKey } = await a.client(AdminService, TEST_ADMIN_TOKEN).createOrg({ name: "acme", plan: "free", credits: 0n });
    const clients = [a.client(AdminService, apiKey), b.client(AdminService, apiKey)] as const;
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? clients[0] : clients[1]).createApiKey({})));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(30);
    for (const o of outcomes) {
      if (o.status === "rejected") expect(ConnectError.from(o.reason).code).toBe(Code.ResourceExhausted);
    }
  });
});
