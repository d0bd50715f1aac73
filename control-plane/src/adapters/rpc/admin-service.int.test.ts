/**
 * AdminService over real Connect clients against real Postgres, with two
 * control-plane instances on one database where it matters (revocation).
 * Time comes from an injected clock that tests move.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { AdminService, ApiKeyScope } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { ErrorCode, ErrorDetailSchema } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { startTestControlPlane, TEST_ADMIN_TOKEN, type TestControlPlane } from "../../../../test/support/control-plane.js";
import { seedApiKey, seedOrg } from "../../../../test/support/db-fixtures.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { hashSecret } from "../../domain/api-key-format.js";

const T0 = new Date("2026-11-29T12:00:00.000Z");

interface Failure {
  readonly connect: Code;
  readonly code: ErrorCode | undefined;
  readonly message: string;
}

/** How `promise` failed: its Connect code and the jobplane ErrorCode in its details. */
async function failure(promise: Promise<unknown>): Promise<Failure> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (outcome === undefined) throw new Error("expected the call to fail, it succeeded");
  const err = ConnectError.from(outcome);
  const [detail] = err.findDetails(ErrorDetailSchema);
  return { connect: err.code, code: detail?.code, message: detail?.message ?? err.rawMessage };
}

describe("AdminService", () => {
  const db = useTestDatabase();
  let now = T0;
  const clock = () => now;
  const started: TestControlPlane[] = [];

  afterEach(async () => {
    await Promise.all(started.splice(0).map((cp) => cp.close()));
    now = T0;
  });

  async function controlPlane(): Promise<TestControlPlane> {
    const cp = await startTestControlPlane({ databaseUrl: db.url, clock });
    started.push(cp);
    return cp;
  }

  async function newOrg(cp: TestControlPlane, plan = "pro", credits = 100n) {
    return cp.client(AdminService, TEST_ADMIN_TOKEN).createOrg({ name: "acme", plan, credits });
  }

  describe("admin token", () => {
    it("is required for CreateOrg, TopUpCredits and CreateAgentToken: missing or wrong → UNAUTHORIZED", async () => {
      const cp = await controlPlane();
      const orgId = await seedOrg(db.orm);
      const { secret } = await seedApiKey(db.orm, orgId);
      for (const bearer of [undefined, "wrong-token", secret]) {
        const admin = cp.client(AdminService, bearer);
        for (const call of [
          admin.createOrg({ name: "x", plan: "pro", credits: 1n }),
          admin.topUpCredits({ orgId, amount: 1n }),
          admin.createAgentToken({ name: "a" }),
        ]) {
          expect(await failure(call)).toMatchObject({ connect: Code.Unauthenticated, code: ErrorCode.UNAUTHORIZED });
        }
      }
      expect(await db.orm.em.fork().execute("select count(*)::int as n from orgs")).toEqual([{ n: 1 }]);
    });

    it("CreateOrg returns an org and a working jp_live_ key with every scope (over gRPC too)", async () => {
      const cp = await controlPlane();
      const created = await cp.client(AdminService, TEST_ADMIN_TOKEN, "grpc").createOrg({ name: "acme", plan: "pro", credits: 1000n });
      expect(created.orgId).toMatch(/^org_/);
      expect(created.apiKey).toMatch(/^jp_live_/);
      expect(created.key?.scopes).toEqual([
        ApiKeyScope.JOBS_READ,
        ApiKeyScope.JOBS_WRITE,
        ApiKeyScope.BILLING_READ,
        ApiKeyScope.WEBHOOKS_WRITE,
        ApiKeyScope.KEYS_WRITE,
      ]);
      // The new key works: it may create another key for its own org.
      const more = await cp.client(AdminService, created.apiKey).createApiKey({ name: "second" });
      expect(more.key).toMatchObject({ orgId: created.orgId, name: "second", testMode: false });
    });

    it("TopUpCredits returns the new position; CreateAgentToken returns a jpa_ token once", async () => {
      const cp = await controlPlane();
      const admin = cp.client(AdminService, TEST_ADMIN_TOKEN);
      const { orgId } = await newOrg(cp, "pro", 100n);
      expect(await admin.topUpCredits({ orgId, amount: 25n, memo: "invoice" })).toMatchObject({
        balance: 125n,
        held: 0n,
        available: 125n,
      });
      const agent = await admin.createAgentToken({ name: "render-01", jobTypes: ["thumbnail"], labels: { region: "eu" } });
      expect(agent.token).toMatch(/^jpa_/);
      const [row] = await db.orm.em.fork().execute("select token_hash, job_types, labels from agents where id = ?", [agent.agentId]);
      expect(row).toEqual({ token_hash: hashSecret(agent.token), job_types: ["thumbnail"], labels: { region: "eu" } });
    });
  });

  describe("API keys", () => {
    it("a revoked key fails at once with UNAUTHORIZED on the other instance too", async () => {
      const [a, b] = [await controlPlane(), await controlPlane()];
      const { apiKey } = await newOrg(a);
      const victim = await a.client(AdminService, apiKey).createApiKey({ name: "victim" });
      expect((await b.client(AdminService, victim.apiKey).createApiKey({})).key).toBeDefined();

      const revoked = await a.client(AdminService, apiKey).revokeApiKey({ id: victim.key!.id });
      expect(revoked.key?.revokedAt).toEqual(timestampFromDate(T0));
      expect(await failure(b.client(AdminService, victim.apiKey).createApiKey({}))).toMatchObject({
        connect: Code.Unauthenticated,
        code: ErrorCode.UNAUTHORIZED,
      });
      // Revoking again is harmless and returns the key as it was.
      now = new Date(T0.getTime() + 1000);
      expect((await b.client(AdminService, TEST_ADMIN_TOKEN).revokeApiKey({ id: victim.key!.id })).key?.revokedAt).toEqual(
        timestampFromDate(T0),
      );
    });

    it("an expired key is UNAUTHORIZED once the clock passes its expiry", async () => {
      const cp = await controlPlane();
      const { orgId } = await newOrg(cp);
      const expiring = await cp.client(AdminService, TEST_ADMIN_TOKEN).createApiKey({
        orgId,
        expiresAt: timestampFromDate(new Date(T0.getTime() + 3_600_000)),
      });
      expect((await cp.client(AdminService, expiring.apiKey).createApiKey({})).apiKey).toMatch(/^jp_live_/);
      now = new Date(T0.getTime() + 3_600_000);
      expect(await failure(cp.client(AdminService, expiring.apiKey).createApiKey({}))).toMatchObject({
        code: ErrorCode.UNAUTHORIZED,
        message: "API key expired",
      });
    });

    it("a key without keys:write is FORBIDDEN; a suspended org's key is FORBIDDEN", async () => {
      const cp = await controlPlane();
      const { orgId, apiKey } = await newOrg(cp);
      const readOnly = await cp.client(AdminService, apiKey).createApiKey({ scopes: [ApiKeyScope.JOBS_READ] });
      expect(readOnly.key?.scopes).toEqual([ApiKeyScope.JOBS_READ]);
      expect(await failure(cp.client(AdminService, readOnly.apiKey).createApiKey({}))).toMatchObject({
        connect: Code.PermissionDenied,
        code: ErrorCode.FORBIDDEN,
      });

      await db.orm.em.fork().execute("update orgs set suspended = true where id = ?", [orgId]);
      expect(await failure(cp.client(AdminService, apiKey).createApiKey({}))).toMatchObject({
        code: ErrorCode.FORBIDDEN,
        message: "org suspended",
      });
    });

    it("test_mode gives a jp_test_ key, which may create only test-mode keys", async () => {
      const cp = await controlPlane();
      const { apiKey } = await newOrg(cp);
      const test = await cp.client(AdminService, apiKey).createApiKey({ testMode: true });
      expect(test.apiKey).toMatch(/^jp_test_[A-Za-z0-9_-]{43}$/);
      expect(test.key).toMatchObject({ testMode: true, prefix: test.apiKey.slice(0, 12) });
      expect((await cp.client(AdminService, test.apiKey).createApiKey({ testMode: true })).apiKey).toMatch(/^jp_test_/);
      expect(await failure(cp.client(AdminService, test.apiKey).createApiKey({}))).toMatchObject({ code: ErrorCode.FORBIDDEN });
    });

    it("an org key acts on its own org only: another org's id or key is NOT_FOUND", async () => {
      const cp = await controlPlane();
      const mine = await newOrg(cp);
      const theirs = await newOrg(cp);
      const client = cp.client(AdminService, mine.apiKey);
      expect(await failure(client.createApiKey({ orgId: theirs.orgId }))).toMatchObject({
        connect: Code.NotFound,
        code: ErrorCode.NOT_FOUND,
      });
      expect((await client.createApiKey({ orgId: mine.orgId })).key?.orgId).toBe(mine.orgId);
      expect(await failure(client.revokeApiKey({ id: theirs.key!.id }))).toMatchObject({ code: ErrorCode.NOT_FOUND });
      // …and their key still works.
      expect((await cp.client(AdminService, theirs.apiKey).createApiKey({})).key?.orgId).toBe(theirs.orgId);
    });
  });

  describe("request errors", () => {
    it("unknown plan, negative credits, empty name → VALIDATION_ERROR naming the field", async () => {
      const admin = (await controlPlane()).client(AdminService, TEST_ADMIN_TOKEN);
      const unknownPlan = await failure(admin.createOrg({ name: "acme", plan: "gold", credits: 1n }));
      expect(unknownPlan).toMatchObject({ connect: Code.InvalidArgument, code: ErrorCode.VALIDATION_ERROR });
      expect(unknownPlan.message).toContain("valid plans: free, pro");
      expect(await failure(admin.createOrg({ name: "acme", plan: "pro", credits: -1n }))).toMatchObject({
        code: ErrorCode.VALIDATION_ERROR,
        message: expect.stringContaining("/credits"),
      });
      expect(await failure(admin.createOrg({ name: "", plan: "pro", credits: 1n }))).toMatchObject({
        code: ErrorCode.VALIDATION_ERROR,
        message: expect.stringContaining("/name"),
      });
    });

    it("a top-up that is not a positive amount → VALIDATION_ERROR; unknown org → NOT_FOUND", async () => {
      const cp = await controlPlane();
      const admin = cp.client(AdminService, TEST_ADMIN_TOKEN);
      const { orgId } = await newOrg(cp);
      for (const amount of [0n, -5n, 2n ** 60n]) {
        expect(await failure(admin.topUpCredits({ orgId, amount }))).toMatchObject({ code: ErrorCode.VALIDATION_ERROR });
      }
      expect(await failure(admin.topUpCredits({ orgId: "org_nope", amount: 5n }))).toMatchObject({ code: ErrorCode.NOT_FOUND });
      expect(await failure(admin.createApiKey({ orgId: "org_nope" }))).toMatchObject({ code: ErrorCode.NOT_FOUND });
      expect(await failure(admin.revokeApiKey({ id: "key_nope" }))).toMatchObject({ code: ErrorCode.NOT_FOUND });
    });

    it("CreateApiKey with the admin token needs org_id; an expiry in the past or an UNSPECIFIED scope is refused", async () => {
      const cp = await controlPlane();
      const admin = cp.client(AdminService, TEST_ADMIN_TOKEN);
      const { orgId } = await newOrg(cp);
      expect(await failure(admin.createApiKey({}))).toMatchObject({ code: ErrorCode.VALIDATION_ERROR });
      expect(
        await failure(admin.createApiKey({ orgId, expiresAt: timestampFromDate(new Date(T0.getTime() - 1000)) })),
      ).toMatchObject({ code: ErrorCode.VALIDATION_ERROR, message: expect.stringContaining("/expiresAt") });
      expect(await failure(admin.createApiKey({ orgId, scopes: [ApiKeyScope.UNSPECIFIED] }))).toMatchObject({
        code: ErrorCode.VALIDATION_ERROR,
      });
      expect(await failure(admin.createAgentToken({ name: "a", labels: { gpu: 1 } }))).toMatchObject({
        code: ErrorCode.VALIDATION_ERROR,
        message: expect.stringContaining("/labels/gpu"),
      });
    });
  });
});
