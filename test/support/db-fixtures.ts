/**
 * Rows integration tests need before the code under test runs: an org with
 * credits, a job type, an agent. Plain SQL so they do not depend on the code
 * they set the stage for.
 */
import { SCOPES } from "../../control-plane/src/app/principal.js";
import { generateApiKey } from "../../control-plane/src/domain/api-key-format.js";
import { newId } from "../../control-plane/src/domain/ids.js";
import type { Orm } from "../../control-plane/src/adapters/postgres/orm.js";

export interface SeedOrgOptions {
  readonly plan?: "free" | "pro";
  /** Credits to top up (through a topup ledger row, so the books balance). Default 0. */
  readonly credits?: number;
}

export async function seedOrg(orm: Orm, options: SeedOrgOptions = {}): Promise<string> {
  const id = newId("org");
  await orm.em.fork().transactional(async (em) => {
    await em.execute("insert into orgs (id, name, plan) values (?, ?, ?)", [id, `test ${id}`, options.plan ?? "pro"]);
    const credits = options.credits ?? 0;
    await em.execute("insert into credit_accounts (org_id, balance) values (?, ?)", [id, credits]);
    if (credits > 0) {
      await em.execute("insert into credit_ledger (org_id, kind, amount, memo) values (?, 'topup', ?, 'seed')", [
        id,
        credits,
      ]);
    }
  });
  return id;
}

export interface SeedJobTypeOptions {
  readonly name?: string;
  readonly maxExecutionSeconds?: number;
  readonly queueTtlSeconds?: number;
  readonly baseCredits?: number;
  readonly creditsPerSecond?: number;
}

export async function seedJobType(orm: Orm, options: SeedJobTypeOptions = {}): Promise<string> {
  const name = options.name ?? "test.echo";
  await orm.em
    .fork()
    .execute(
      `insert into job_types (name, max_execution_seconds, queue_ttl_seconds, base_credits, credits_per_second, allowed_plans)
       values (?, ?, ?, ?, ?, array['free', 'pro'])
       on conflict (name) do update set max_execution_seconds = excluded.max_execution_seconds,
         queue_ttl_seconds = excluded.queue_ttl_seconds, base_credits = excluded.base_credits,
         credits_per_second = excluded.credits_per_second, allowed_plans = excluded.allowed_plans, updated_at = now()`,
      [
        name,
        options.maxExecutionSeconds ?? 60,
        options.queueTtlSeconds ?? 600,
        options.baseCredits ?? 1,
        options.creditsPerSecond ?? 1,
      ],
    );
  return name;
}

export async function seedAgent(orm: Orm, jobTypes: readonly string[]): Promise<string> {
  const id = newId("agt");
  await orm.em
    .fork()
    .execute("insert into agents (id, name, token_hash, job_types) values (?, ?, ?, array[?]::text[])", [
      id,
      `agent ${id}`,
      `hash-${id}`,
      jobTypes,
    ]);
  return id;
}

export interface SeedApiKeyOptions {
  readonly scopes?: readonly string[];
  readonly testMode?: boolean;
  readonly expiresAt?: Date;
}

/** Inserts an API key for `orgId` (all scopes by default) and returns its secret and id. */
export async function seedApiKey(
  orm: Orm,
  orgId: string,
  options: SeedApiKeyOptions = {},
): Promise<{ secret: string; keyId: string }> {
  const key = generateApiKey(options.testMode ? "test" : "live");
  const keyId = newId("key");
  await orm.em
    .fork()
    .execute("insert into api_keys (id, org_id, hash, prefix, scopes, test_mode, expires_at) values (?, ?, ?, ?, array[?]::text[], ?, ?)", [
      keyId,
      orgId,
      key.hash,
      key.prefix,
      [...(options.scopes ?? SCOPES)],
      options.testMode ?? false,
      options.expiresAt ?? null,
    ]);
  return { secret: key.secret, keyId };
}
