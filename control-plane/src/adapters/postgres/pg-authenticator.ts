/**
 * API keys and the admin token, checked against Postgres on every call: a
 * revoked key fails at once on every instance because nothing is cached.
 * The lookup is one indexed read (api_keys.hash is unique) joined with the
 * org and its plan; the rate limit is then counted by the RateLimiter.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../app/clock.js";
import type { Authenticator, PlanLimits, Principal, Scope } from "../../app/principal.js";
import { SCOPES } from "../../app/principal.js";
import type { RateLimiter } from "../../app/rate-limiter.js";
import { bearerCredential, hashSecret, looksLikeApiKey } from "../../domain/api-key-format.js";
import { forbidden, rateLimited, unauthorized } from "../../domain/domain-error.js";
import type { Orm } from "./orm.js";

interface KeyRow {
  id: string;
  org_id: string;
  scopes: string[];
  test_mode: boolean;
  expires_at: string | null;
  revoked_at: string | null;
  suspended: boolean;
  plan: string;
  requests_per_minute: number;
  max_concurrent_jobs: number;
  max_input_bytes: string | number;
  max_execution_seconds: number;
}

const LOOKUP = `
  select k.id, k.org_id, k.scopes, k.test_mode, k.expires_at, k.revoked_at, o.suspended,
         p.name as plan, p.requests_per_minute, p.max_concurrent_jobs, p.max_input_bytes, p.max_execution_seconds
    from api_keys k
    join orgs o on o.id = k.org_id
    join plans p on p.name = o.plan
   where k.hash = ?`;

export interface PgAuthenticatorDeps {
  readonly orm: Orm;
  readonly clock: Clock;
  readonly rateLimiter: RateLimiter;
  /** JOBPLANE_ADMIN_TOKEN; admin calls are refused while unset. */
  readonly adminToken: string | undefined;
}

export function createPgAuthenticator(deps: PgAuthenticatorDeps): Authenticator {
  const adminDigest = deps.adminToken ? createHash("sha256").update(deps.adminToken).digest() : undefined;

  return {
    async authenticate(authorization, scope) {
      const secret = bearerCredential(authorization);
      if (!secret) throw unauthorized("missing API key: send Authorization: Bearer <key>");
      if (!looksLikeApiKey(secret)) throw unauthorized("malformed API key");
      const [row] = await deps.orm.em.fork().execute<KeyRow[]>(LOOKUP, [hashSecret(secret)]);
      if (!row) throw unauthorized("unknown API key");
      const now = deps.clock();
      if (row.revoked_at) throw unauthorized("API key revoked");
      if (row.expires_at && new Date(row.expires_at) <= now) throw unauthorized("API key expired");
      if (row.suspended) throw forbidden("org suspended");
      const scopes = new Set(row.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)));
      if (!scopes.has(scope)) throw forbidden(`API key lacks the ${scope} scope`);

      const plan: PlanLimits = {
        name: row.plan,
        requestsPerMinute: row.requests_per_minute,
        maxConcurrentJobs: row.max_concurrent_jobs,
        maxInputBytes: Number(row.max_input_bytes),
        maxExecutionSeconds: row.max_execution_seconds,
      };
      const decision = await deps.rateLimiter.take(row.id, plan.requestsPerMinute, now);
      if (!decision.allowed) throw rateLimited(decision.retryAfterMs);
      const principal: Principal = { orgId: row.org_id, keyId: row.id, scopes, testMode: row.test_mode, plan };
      return principal;
    },

    async authenticateAdmin(authorization) {
      const token = bearerCredential(authorization);
      if (!adminDigest) throw unauthorized("admin API disabled: set JOBPLANE_ADMIN_TOKEN on the control plane");
      if (!token) throw unauthorized("missing admin token: send Authorization: Bearer <JOBPLANE_ADMIN_TOKEN>");
      const given = createHash("sha256").update(token).digest();
      if (!timingSafeEqual(given, adminDigest)) throw unauthorized("wrong admin token");
    },
  };
}
