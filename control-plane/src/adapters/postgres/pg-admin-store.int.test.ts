import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { seedOrg } from "../../../../test/support/db-fixtures.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { SCOPES } from "../../app/principal.js";
import { hashSecret } from "../../domain/api-key-format.js";
import { DomainError } from "../../domain/domain-error.js";
import { createPgAdminStore } from "./pg-admin-store.js";

const T0 = new Date("2026-11-29T12:00:00.000Z");

/** The DomainError `promise` rejected with (fails if it resolved or threw something else). */
async function domainError(promise: Promise<unknown>): Promise<DomainError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(outcome)}`);
  return outcome;
}

describe("PgAdminStore", () => {
  const db = useTestDatabase();
  const store = () => createPgAdminStore(db.orm, () => T0);

  async function accountAndLedger(orgId: string) {
    const em = db.orm.em.fork();
    const [account] = await em.execute<{ balance: string; held: string }[]>(
      "select balance::text as balance, held::text as held from credit_accounts where org_id = ?",
      [orgId],
    );
    const ledger = await em.execute<{ kind: string; amount: string }[]>(
      "select kind, amount::text as amount from credit_ledger where org_id = ? order by id",
      [orgId],
    );
    return { account, ledger };
  }

  describe("createOrg", () => {
    it("creates the org, its account with a topup row, and a first key with every scope, in one go", async () => {
      const created = await store().createOrg({ name: " acme ", plan: "pro", credits: 1000 });
      expect(created.orgId).toMatch(/^org_[0-9a-f]{24}$/);
      expect(created.apiKey).toMatch(/^jp_live_/);
      expect(created.key).toMatchObject({ orgId: created.orgId, scopes: [...SCOPES], testMode: false, revokedAt: null, expiresAt: null });
      expect(created.key.createdAt).toEqual(T0);

      const em = db.orm.em.fork();
      const [org] = await em.execute("select name, plan, suspended from orgs where id = ?", [created.orgId]);
      expect(org).toEqual({ name: "acme", plan: "pro", suspended: false });
      const [key] = await em.execute<{ hash: string }[]>("select hash from api_keys where id = ?", [created.key.id]);
      expect(key?.hash).toBe(hashSecret(created.apiKey));
      expect(await accountAndLedger(created.orgId)).toEqual({
        account: { balance: "1000", held: "0" },
        ledger: [{ kind: "topup", amount: "1000" }],
      });
    });

    it("opens an empty account without a ledger row for 0 credits", async () => {
      const { orgId } = await store().createOrg({ name: "acme", plan: "free", credits: 0 });
      expect(await accountAndLedger(orgId)).toEqual({ account: { balance: "0", held: "0" }, ledger: [] });
    });

    it("refuses an unknown plan naming the valid ones, and writes nothing", async () => {
      const err = await domainError(store().createOrg({ name: "acme", plan: "gold", credits: 10 }));
      expect(err.code).toBe(ErrorCode.VALIDATION_ERROR);
      expect(err.message).toContain('unknown plan "gold"; valid plans: free, pro');
      expect(await db.orm.em.fork().execute("select id from orgs")).toEqual([]);
    });

    it("reports every invalid field at once: empty name, negative credits, unknown plan", async () => {
      const err = await domainError(store().createOrg({ name: "  ", plan: "gold", credits: -5 }));
      expect(err.code).toBe(ErrorCode.VALIDATION_ERROR);
      expect(err.violations.map((v) => v.path)).toEqual(["/name", "/credits", "/plan"]);
    });

    it("refuses fractional credits", async () => {
      const err = await domainError(store().createOrg({ name: "acme", plan: "pro", credits: 1.5 }));
      expect(err.violations.map((v) => v.path)).toEqual(["/credits"]);
    });
  });

  describe("createApiKey", () => {
    it("creates a test-mode key with the chosen scopes (deduplicated, canonical order), name and expiry", async () => {
      const orgId = await seedOrg(db.orm);
      const expiresAt = new Date(T0.getTime() + 3_600_000);
      const { secret, key } = await store().createApiKey({
        orgId,
        name: "ci",
        scopes: ["keys:write", "jobs:read", "keys:write"],
        testMode: true,
        expiresAt,
      });
      expect(secret).toMatch(/^jp_test_[A-Za-z0-9_-]{43}$/);
      expect(key).toMatchObject({ orgId, name: "ci", scopes: ["jobs:read", "keys:write"], testMode: true, expiresAt });
      expect(key.prefix).toBe(secret.slice(0, 12));
    });

    it("gives every scope when none is asked for", async () => {
      const orgId = await seedOrg(db.orm);
      expect((await store().createApiKey({ orgId, scopes: [] })).key.scopes).toEqual([...SCOPES]);
    });

    it("is NOT_FOUND for an unknown org, VALIDATION_ERROR for an expiry not in the future", async () => {
      expect((await domainError(store().createApiKey({ orgId: "org_nope" }))).code).toBe(ErrorCode.NOT_FOUND);
      const orgId = await seedOrg(db.orm);
      for (const expiresAt of [T0, new Date(T0.getTime() - 1), new Date(Number.NaN)]) {
        const err = await domainError(store().createApiKey({ orgId, expiresAt }));
        expect(err.code).toBe(ErrorCode.VALIDATION_ERROR);
        expect(err.violations[0]?.path).toBe("/expiresAt");
      }
    });
  });

  describe("revokeApiKey", () => {
    it("stamps revoked_at once; revoking again returns the key unchanged", async () => {
      const orgId = await seedOrg(db.orm);
      const { key } = await store().createApiKey({ orgId });
      const first = await store().revokeApiKey(key.id, orgId);
      expect(first.revokedAt).toEqual(T0);
      const later = createPgAdminStore(db.orm, () => new Date(T0.getTime() + 60_000));
      expect(await later.revokeApiKey(key.id)).toEqual(first);
    });

    it("treats another org's key, or an unknown id, as NOT_FOUND and leaves it alone", async () => {
      const [mine, theirs] = [await seedOrg(db.orm), await seedOrg(db.orm)];
      const { key } = await store().createApiKey({ orgId: theirs });
      expect((await domainError(store().revokeApiKey(key.id, mine))).code).toBe(ErrorCode.NOT_FOUND);
      expect((await domainError(store().revokeApiKey("key_nope"))).code).toBe(ErrorCode.NOT_FOUND);
      const [row] = await db.orm.em.fork().execute("select revoked_at from api_keys where id = ?", [key.id]);
      expect(row).toEqual({ revoked_at: null });
    });
  });

  describe("topUp", () => {
    it("adds credits with a ledger row and returns the new position", async () => {
      const orgId = await seedOrg(db.orm, { credits: 100 });
      expect(await store().topUp(orgId, 50, "invoice 7")).toEqual({ balance: 150, held: 0, available: 150 });
      expect((await accountAndLedger(orgId)).ledger).toEqual([
        { kind: "topup", amount: "100" },
        { kind: "topup", amount: "50" },
      ]);
    });

    it.each([0, -1, 2.5, Number.NaN, 2 ** 53])("refuses the amount %s", async (amount) => {
      const orgId = await seedOrg(db.orm);
      const err = await domainError(store().topUp(orgId, amount));
      expect(err.code).toBe(ErrorCode.VALIDATION_ERROR);
      expect(err.violations[0]?.path).toBe("/amount");
    });

    it("is NOT_FOUND for an unknown org", async () => {
      expect((await domainError(store().topUp("org_nope", 5))).code).toBe(ErrorCode.NOT_FOUND);
    });
  });

  describe("createAgentToken", () => {
    it("registers the agent with the token's hash, its job types and labels", async () => {
      const { agentId, token } = await store().createAgentToken({
        name: "render-01",
        jobTypes: ["thumbnail", "ffprobe", "thumbnail"],
        labels: { region: "eu" },
      });
      expect(agentId).toMatch(/^agt_[0-9a-f]{24}$/);
      expect(token).toMatch(/^jpa_[A-Za-z0-9_-]{43}$/);
      const [row] = await db.orm.em
        .fork()
        .execute("select name, token_hash, job_types, labels from agents where id = ?", [agentId]);
      expect(row).toEqual({ name: "render-01", token_hash: hashSecret(token), job_types: ["thumbnail", "ffprobe"], labels: { region: "eu" } });
    });

    it("refuses an empty name", async () => {
      const err = await domainError(store().createAgentToken({ name: "" }));
      expect(err.code).toBe(ErrorCode.VALIDATION_ERROR);
    });
  });
});
