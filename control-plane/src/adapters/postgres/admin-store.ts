/**
 * The AdminStore port: the operator's writes — orgs, API keys, credits,
 * agent tokens. Both the AdminService RPCs and `jobplane admin` (which talks
 * to the database directly, so it works with no server running) go through
 * it, so both apply the same checks. Each method is one transaction; secrets
 * are returned once and only their hashes are stored.
 *
 * Record shapes follow the proto messages (ApiKey, CreateOrgResponse, …) with
 * domain types: scope names instead of enum numbers, Dates, numbers.
 */
import type { Scope } from "../../app/principal.js";
import type { Balance } from "./credit-ledger.js";

/** An API key without its secret (proto ApiKey). */
export interface ApiKeyRecord {
  readonly id: string;
  readonly orgId: string;
  /** The first characters of the secret, e.g. "jp_live_AbC1". */
  readonly prefix: string;
  readonly scopes: readonly Scope[];
  readonly testMode: boolean;
  readonly name: string;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly createdAt: Date;
}

export interface CreateOrgInput {
  readonly name: string;
  /** A plan name from the plans table ("free", "pro"). */
  readonly plan: string;
  /** Opening balance; 0 or more whole credits. */
  readonly credits: number;
}

export interface CreatedOrg {
  readonly orgId: string;
  /** The first key's secret, with every scope; shown once. */
  readonly apiKey: string;
  readonly key: ApiKeyRecord;
}

export interface CreateApiKeyInput {
  readonly orgId: string;
  readonly name?: string;
  /** Empty means every scope. */
  readonly scopes?: readonly Scope[];
  /** A jp_test_ key: runs the full pipeline, never charges. */
  readonly testMode?: boolean;
  /** Must be in the future; null or absent for never. */
  readonly expiresAt?: Date | null;
}

export interface CreatedApiKey {
  /** "jp_live_…" or "jp_test_…"; shown once. */
  readonly secret: string;
  readonly key: ApiKeyRecord;
}

export interface CreateAgentTokenInput {
  readonly name: string;
  /** Job types the agent may serve; empty means any. */
  readonly jobTypes?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
}

export interface CreatedAgentToken {
  readonly agentId: string;
  /** "jpa_…"; shown once. */
  readonly token: string;
}

export interface AdminStore {
  /**
   * Creates the org, its credit account (with a topup ledger row when
   * credits > 0) and a first API key with every scope. VALIDATION_ERROR for
   * an empty name, an unknown plan (naming the valid ones) or credits that
   * are not a non-negative whole number.
   */
  createOrg(input: CreateOrgInput): Promise<CreatedOrg>;
  /** NOT_FOUND for an unknown org; VALIDATION_ERROR for an expiry not in the future. */
  createApiKey(input: CreateApiKeyInput): Promise<CreatedApiKey>;
  /**
   * Marks the key revoked; it fails on every instance from the next call.
   * With `orgId`, a key of another org is NOT_FOUND. Revoking a revoked key
   * returns it unchanged (idempotent).
   */
  revokeApiKey(keyId: string, orgId?: string): Promise<ApiKeyRecord>;
  /** The org's keys without secrets, newest first (NOT_FOUND for an unknown org). */
  listApiKeys(orgId: string): Promise<ApiKeyRecord[]>;
  /** Adds credits (a positive whole number, else VALIDATION_ERROR); NOT_FOUND for an unknown org. */
  topUp(orgId: string, amount: number, memo?: string): Promise<Balance>;
  /** Registers an agent and returns its token once. VALIDATION_ERROR for an empty name. */
  createAgentToken(input: CreateAgentTokenInput): Promise<CreatedAgentToken>;
}
