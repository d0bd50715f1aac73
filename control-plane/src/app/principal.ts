/**
 * Who is calling. Every JobService/BillingService call resolves its bearer
 * API key to a Principal (authenticator.ts) before doing anything else; the
 * org in the Principal scopes every query, so another org's job is simply
 * not found.
 */

/** The permissions an API key may carry, as named in REST and the CLI. */
export const SCOPES = ["jobs:read", "jobs:write", "billing:read", "webhooks:write", "keys:write"] as const;
export type Scope = (typeof SCOPES)[number];

/** The limits of an org's plan, from the plans table. */
export interface PlanLimits {
  readonly name: string;
  readonly requestsPerMinute: number;
  readonly maxConcurrentJobs: number;
  readonly maxInputBytes: number;
  readonly maxExecutionSeconds: number;
}

export interface Principal {
  readonly orgId: string;
  readonly keyId: string;
  readonly scopes: ReadonlySet<Scope>;
  /** A jp_test_ key: the whole pipeline runs, nothing is charged. */
  readonly testMode: boolean;
  readonly plan: PlanLimits;
}

export interface Authenticator {
  /**
   * Resolves `Authorization: Bearer <api key>` to its Principal, checks the
   * key holds `scope`, and counts the call against the key's rate limit.
   * Throws DomainError UNAUTHORIZED (missing, malformed, unknown, expired,
   * revoked), FORBIDDEN (scope, suspended org) or RATE_LIMITED.
   */
  authenticate(authorization: string | null, scope: Scope): Promise<Principal>;
  /**
   * Checks `Authorization: Bearer <JOBPLANE_ADMIN_TOKEN>`; throws
   * UNAUTHORIZED otherwise (also when no admin token is configured).
   */
  authenticateAdmin(authorization: string | null): Promise<void>;
}
