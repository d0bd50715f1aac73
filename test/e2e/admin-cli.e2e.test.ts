/**
 * `jobplane admin` as an operator runs it: a real process on DATABASE_URL,
 * no server running, one JSON object on stdout, a clear message on stderr
 * and exit code 1 on failure (2 on bad usage).
 */
import { afterEach, describe, expect, it } from "vitest";
import { hashSecret } from "../../control-plane/src/domain/api-key-format.js";
import { checkLedgerInvariants } from "../../control-plane/src/adapters/postgres/ledger-invariants.js";
import { createOrm } from "../../control-plane/src/adapters/postgres/orm.js";
import { runJobplane } from "../support/processes.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

/** Runs `jobplane admin <args>` on the test database. */
async function admin(args: readonly string[]) {
  if (!db) db = await createTestDatabase();
  return runJobplane(["admin", ...args], { DATABASE_URL: db.url });
}

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const orm = await createOrm(db!.url, { poolSize: 1 });
  try {
    return await orm.em.fork().execute<T[]>(sql, params);
  } finally {
    await orm.close();
  }
}

describe("jobplane admin", () => {
  it("create-org prints one JSON object with the org and a jp_live_ key; the books hold 1000 credits", async () => {
    const result = await admin(["create-org", "--name", "acme", "--plan", "pro", "--credits", "1000"]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!) as { orgId: string; apiKey: string };
    expect(Object.keys(out).sort()).toEqual(["apiKey", "orgId"]);
    expect(out.orgId).toMatch(/^org_[0-9a-f]{24}$/);
    expect(out.apiKey).toMatch(/^jp_live_[A-Za-z0-9_-]{43}$/);

    expect(await query("select balance::int as balance, held::int as held from credit_accounts where org_id = ?", [out.orgId])).toEqual([
      { balance: 1000, held: 0 },
    ]);
    expect(await query("select org_id from api_keys where hash = ?", [hashSecret(out.apiKey)])).toEqual([{ org_id: out.orgId }]);
    const orm = await createOrm(db!.url, { poolSize: 1 });
    try {
      expect(await checkLedgerInvariants(orm)).toEqual([]);
    } finally {
      await orm.close();
    }
  });

  it("refuses an unknown plan with exit 1 and a message naming the valid plans", async () => {
    const result = await admin(["create-org", "--name", "acme", "--plan", "gold", "--credits", "10"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain('unknown plan "gold"; valid plans: free, pro');
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(await query("select id from orgs")).toEqual([]);
  });

  it("manages keys, credits and agent tokens: create-key, revoke-key, top-up, create-agent-token", async () => {
    const org = JSON.parse((await admin(["create-org", "--name", "acme", "--plan", "free"])).stdout) as { orgId: string };

    const keyThenRevoke = async () => {
      const created = await admin(["create-key", "--org", org.orgId, "--name", "ci", "--scopes", "jobs:read,jobs:write", "--test"]);
      expect(created.code, created.stderr).toBe(0);
      const key = JSON.parse(created.stdout) as { keyId: string; apiKey: string; scopes: string[]; testMode: boolean };
      expect(key).toMatchObject({ scopes: ["jobs:read", "jobs:write"], testMode: true });
      expect(key.apiKey).toMatch(/^jp_test_/);
      const revoked = await admin(["revoke-key", "--id", key.keyId]);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(JSON.parse(revoked.stdout)).toMatchObject({ keyId: key.keyId, revokedAt: expect.any(String) });
    };
    const [, topUp, agent] = await Promise.all([
      keyThenRevoke(),
      admin(["top-up", "--org", org.orgId, "--amount", "250"]),
      admin(["create-agent-token", "--name", "render-01", "--types", "thumbnail,ffprobe"]),
    ]);
    expect(topUp.code, topUp.stderr).toBe(0);
    expect(JSON.parse(topUp.stdout)).toEqual({ orgId: org.orgId, balance: 250, held: 0, available: 250 });
    expect(agent.code, agent.stderr).toBe(0);
    expect(JSON.parse(agent.stdout)).toMatchObject({ agentId: expect.stringMatching(/^agt_/), token: expect.stringMatching(/^jpa_/) });
  });

  it("exits 1 on a refused request", async () => {
    db = await createTestDatabase();
    const [unknownOrg, badAmount] = await Promise.all([
      admin(["top-up", "--org", "org_nope", "--amount", "5"]),
      admin(["top-up", "--org", "org_nope", "--amount", "0"]),
    ]);
    expect(unknownOrg).toMatchObject({ code: 1, stderr: expect.stringContaining("org org_nope not found") });
    expect(badAmount).toMatchObject({ code: 1, stderr: expect.stringContaining("/amount must be a positive whole number") });
  });

  it("exits 2 on bad usage before touching the database (none is reachable here)", async () => {
    const run = (args: readonly string[]) => runJobplane(["admin", ...args], { DATABASE_URL: "postgres://127.0.0.1:1/nowhere" });
    const [missing, unknownFlag, badScope, badNumber, unknownSub, help] = await Promise.all([
      run(["create-org", "--plan", "pro"]),
      run(["create-org", "--name", "x", "--plan", "pro", "--bogus"]),
      run(["create-key", "--org", "org_x", "--scopes", "jobs:admin"]),
      run(["top-up", "--org", "org_x", "--amount", "ten"]),
      run(["no-such-thing"]),
      run(["--help"]),
    ]);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining("--name is required") });
    expect(unknownFlag).toMatchObject({ code: 2, stderr: expect.stringContaining("--bogus") });
    expect(badScope).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown scope(s) jobs:admin") });
    expect(badNumber).toMatchObject({ code: 2, stderr: expect.stringContaining("--amount must be a whole number") });
    expect(unknownSub).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown subcommand "no-such-thing"') });
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining("create-org --name N --plan P") });
  });
});
