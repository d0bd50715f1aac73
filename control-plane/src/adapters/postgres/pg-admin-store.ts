/**
 * AdminStore on PostgreSQL. Every method is one transaction on its own fork,
 * so an org never exists without its credit account and first key, and a
 * top-up never changes the balance without its ledger row (balance == Σ
 * ledger). Inputs are checked here rather than in each caller, so the RPCs
 * and the CLI refuse the same things with the same VALIDATION_ERROR paths
 * (proto JSON field names: "/plan", "/expiresAt", …).
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { systemClock, type Clock } from "../../app/clock.js";
import { SCOPES, type Scope } from "../../app/principal.js";
import { generateAgentToken, generateApiKey } from "../../domain/api-key-format.js";
import { notFound, validationError, type Violation } from "../../domain/domain-error.js";
import { newId } from "../../domain/ids.js";
import type { AdminStore, ApiKeyRecord, CreateApiKeyInput, CreatedApiKey } from "./admin-store.js";
import type { Balance } from "./credit-ledger.js";
import { topUpCredits } from "./credit-ops.js";
import type { Orm } from "./orm.js";

interface KeyRow {
  id: string;
  org_id: string;
  prefix: string;
  scopes: string[];
  test_mode: boolean;
  name: string;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

const KEY_COLUMNS = "id, org_id, prefix, scopes, test_mode, name, expires_at, revoked_at, created_at";

/** Name of the key createOrg makes. */
const FIRST_KEY_NAME = "default";

function isScope(text: string): text is Scope {
  return (SCOPES as readonly string[]).includes(text);
}

function toKeyRecord(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    prefix: row.prefix,
    scopes: row.scopes.filter(isScope),
    testMode: row.test_mode,
    name: row.name,
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    createdAt: new Date(row.created_at),
  };
}

/** An empty id is a malformed request, not a missing resource. */
function requireId(path: string, id: string): void {
  if (id === "") throw validationError([{ path, description: "is required" }]);
}

function throwIfAny(violations: readonly Violation[]): void {
  if (violations.length > 0) throw validationError(violations);
}

/** Empty → every scope; otherwise deduplicated, in the canonical SCOPES order. */
function normaliseScopes(scopes: readonly Scope[] | undefined): Scope[] {
  const wanted = new Set(scopes ?? []);
  return wanted.size === 0 ? [...SCOPES] : SCOPES.filter((s) => wanted.has(s));
}

async function orgExists(em: EntityManager, orgId: string): Promise<boolean> {
  const rows = await em.execute<{ id: string }[]>("select id from orgs where id = ?", [orgId]);
  return rows.length > 0;
}

async function readBalance(em: EntityManager, orgId: string): Promise<Balance> {
  const [row] = await em.execute<{ balance: string; held: string }[]>(
    "select balance, held from credit_accounts where org_id = ?",
    [orgId],
  );
  const balance = Number(row?.balance ?? 0);
  const held = Number(row?.held ?? 0);
  return { balance, held, available: balance - held };
}

async function insertKey(em: EntityManager, input: CreateApiKeyInput, now: Date): Promise<CreatedApiKey> {
  const generated = generateApiKey(input.testMode ? "test" : "live");
  const [row] = await em.execute<KeyRow[]>(
    `insert into api_keys (id, org_id, hash, prefix, scopes, test_mode, name, expires_at, created_at)
     values (?, ?, ?, ?, array[?]::text[], ?, ?, ?, ?)
     returning ${KEY_COLUMNS}`,
    [
      newId("key"),
      input.orgId,
      generated.hash,
      generated.prefix,
      normaliseScopes(input.scopes),
      input.testMode ?? false,
      input.name?.trim() ?? "",
      input.expiresAt ?? null,
      now,
    ],
  );
  if (!row) throw new Error("insert into api_keys returned no row");
  return { secret: generated.secret, key: toKeyRecord(row) };
}

/** `clock` stamps created_at / revoked_at and judges "expiry in the past". */
export function createPgAdminStore(orm: Orm, clock: Clock = systemClock): AdminStore {
  return {
    async createOrg(input) {
      const name = input.name.trim();
      const violations: Violation[] = [];
      if (name === "") violations.push({ path: "/name", description: "must not be empty" });
      if (!Number.isSafeInteger(input.credits) || input.credits < 0) {
        violations.push({ path: "/credits", description: `must be a whole number of credits, 0 or more (got ${input.credits})` });
      }
      return orm.em.fork().transactional(async (em) => {
        const plans = (await em.execute<{ name: string }[]>("select name from plans order by name")).map((p) => p.name);
        if (!plans.includes(input.plan)) {
          violations.push({ path: "/plan", description: `unknown plan "${input.plan}"; valid plans: ${plans.join(", ")}` });
        }
        throwIfAny(violations);

        const orgId = newId("org");
        await em.execute("insert into orgs (id, name, plan) values (?, ?, ?)", [orgId, name, input.plan], "run");
        await em.execute("insert into credit_accounts (org_id, balance) values (?, 0)", [orgId], "run");
        if (input.credits > 0) await topUpCredits(em, orgId, input.credits, "opening balance");
        const first = await insertKey(em, { orgId, name: FIRST_KEY_NAME }, clock());
        return { orgId, apiKey: first.secret, key: first.key };
      });
    },

    async createApiKey(input) {
      requireId("/orgId", input.orgId);
      const now = clock();
      const expiresAt = input.expiresAt ?? null;
      if (expiresAt !== null && !(expiresAt.getTime() > now.getTime())) {
        const shown = Number.isNaN(expiresAt.getTime()) ? "an invalid date" : expiresAt.toISOString();
        throw validationError([{ path: "/expiresAt", description: `must be in the future (got ${shown})` }]);
      }
      return orm.em.fork().transactional(async (em) => {
        if (!(await orgExists(em, input.orgId))) throw notFound(`org ${input.orgId}`);
        return insertKey(em, { ...input, expiresAt }, now);
      });
    },

    async revokeApiKey(keyId, orgId) {
      requireId("/id", keyId);
      const orgFilter = orgId === undefined ? "" : " and org_id = ?";
      const scope = orgId === undefined ? [] : [orgId];
      return orm.em.fork().transactional(async (em) => {
        const [revoked] = await em.execute<KeyRow[]>(
          `update api_keys set revoked_at = ? where id = ? and revoked_at is null${orgFilter} returning ${KEY_COLUMNS}`,
          [clock(), keyId, ...scope],
        );
        if (revoked) return toKeyRecord(revoked);
        const [existing] = await em.execute<KeyRow[]>(`select ${KEY_COLUMNS} from api_keys where id = ?${orgFilter}`, [
          keyId,
          ...scope,
        ]);
        if (!existing) throw notFound(`API key ${keyId}`);
        return toKeyRecord(existing);
      });
    },

    async listApiKeys(orgId) {
      requireId("/orgId", orgId);
      const em = orm.em.fork();
      if (!(await orgExists(em, orgId))) throw notFound(`org ${orgId}`);
      const rows = await em.execute<KeyRow[]>(
        `select ${KEY_COLUMNS} from api_keys where org_id = ? order by created_at desc, id desc`,
        [orgId],
      );
      return rows.map(toKeyRecord);
    },

    async topUp(orgId, amount, memo = "") {
      requireId("/orgId", orgId);
      if (!Number.isSafeInteger(amount) || amount <= 0) {
        throw validationError([{ path: "/amount", description: `must be a positive whole number of credits (got ${amount})` }]);
      }
      return orm.em.fork().transactional(async (em) => {
        if (!(await orgExists(em, orgId))) throw notFound(`org ${orgId}`);
        await topUpCredits(em, orgId, amount, memo);
        return readBalance(em, orgId);
      });
    },

    async createAgentToken(input) {
      const name = input.name.trim();
      const jobTypes = [...new Set((input.jobTypes ?? []).map((t) => t.trim()))];
      const violations: Violation[] = [];
      if (name === "") violations.push({ path: "/name", description: "must not be empty" });
      jobTypes.forEach((t, i) => {
        if (t === "") violations.push({ path: `/jobTypes/${i}`, description: "must not be empty" });
      });
      throwIfAny(violations);
      const agentId = newId("agt");
      const { token, hash } = generateAgentToken();
      await orm.em
        .fork()
        .transactional((em) =>
          em.execute(
            "insert into agents (id, name, token_hash, job_types, labels) values (?, ?, ?, array[?]::text[], ?::jsonb)",
            [agentId, name, hash, jobTypes, JSON.stringify(input.labels ?? {})],
            "run",
          ),
        );
      return { agentId, token };
    },
  };
}
