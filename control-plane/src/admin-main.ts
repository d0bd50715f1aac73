/**
 * `jobplane admin <subcommand>`: operator commands that talk to DATABASE_URL
 * directly through the AdminStore — the same checks as AdminService, but no
 * server (or admin token) needed, so a fresh install can create its first org
 * before anything runs. Each command prints one JSON object on stdout (for
 * scripts: `jq -r .apiKey`); failures print a message on stderr and exit 1,
 * bad usage exits 2.
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { SCOPES, type Scope } from "./app/principal.js";
import type { AdminStore } from "./adapters/postgres/admin-store.js";
import { createOrm } from "./adapters/postgres/orm.js";
import { createPgAdminStore } from "./adapters/postgres/pg-admin-store.js";
import { DEFAULT_DATABASE_URL } from "./config.js";
import { DomainError } from "./domain/domain-error.js";

type Values = ReturnType<typeof parseArgs>["values"];

/** What a subcommand does once the database is open; returns the JSON to print. */
type Action = (store: AdminStore) => Promise<object>;

interface Subcommand {
  readonly usage: string;
  readonly options: ParseArgsOptionsConfig;
  /** Checks the arguments (throwing UsageError) before anything connects. */
  parse(values: Values): Action;
}

/** Wrong arguments: exit code 2 with the usage. */
class UsageError extends Error {}

function text(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

function required(values: Values, name: string): string {
  const value = text(values, name);
  if (value === undefined || value === "") throw new UsageError(`--${name} is required`);
  return value;
}

function integer(values: Values, name: string, fallback?: number): number {
  const raw = text(values, name);
  if (raw === undefined && fallback !== undefined) return fallback;
  if (raw === undefined || !/^-?\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number`);
  return Number(raw);
}

/** "a,b" → ["a", "b"]; blanks dropped. */
function list(values: Values, name: string): string[] {
  return (text(values, name) ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function scopes(values: Values): Scope[] {
  const names = list(values, "scopes");
  const unknown = names.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`unknown scope(s) ${unknown.join(", ")}; valid: ${SCOPES.join(", ")}`);
  return names as Scope[];
}

function expiry(values: Values): Date | null {
  const raw = text(values, "expires");
  if (raw === undefined) return null;
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--expires must be an ISO 8601 time, got "${raw}"`);
  return date;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  "create-org": {
    usage: "create-org --name N --plan P [--credits C]   new org, opening credits, first API key (all scopes)",
    options: { name: { type: "string" }, plan: { type: "string" }, credits: { type: "string" } },
    parse(values) {
      const input = { name: required(values, "name"), plan: required(values, "plan"), credits: integer(values, "credits", 0) };
      return async (store) => {
        const created = await store.createOrg(input);
        return { orgId: created.orgId, apiKey: created.apiKey };
      };
    },
  },
  "create-key": {
    usage: "create-key --org ID [--name N] [--scopes a,b] [--test] [--expires ISO-TIME]   (scopes default: all)",
    options: { org: { type: "string" }, name: { type: "string" }, scopes: { type: "string" }, test: { type: "boolean" }, expires: { type: "string" } },
    parse(values) {
      const input = {
        orgId: required(values, "org"),
        name: text(values, "name") ?? "",
        scopes: scopes(values),
        testMode: values.test === true,
        expiresAt: expiry(values),
      };
      return async (store) => {
        const { secret, key } = await store.createApiKey(input);
        return { keyId: key.id, apiKey: secret, orgId: key.orgId, scopes: key.scopes, testMode: key.testMode, expiresAt: key.expiresAt };
      };
    },
  },
  "revoke-key": {
    usage: "revoke-key --id KEY_ID   the key fails at once on every instance",
    options: { id: { type: "string" } },
    parse(values) {
      const keyId = required(values, "id");
      return async (store) => {
        const key = await store.revokeApiKey(keyId);
        return { keyId: key.id, orgId: key.orgId, revokedAt: key.revokedAt };
      };
    },
  },
  "top-up": {
    usage: "top-up --org ID --amount N [--memo TEXT]",
    options: { org: { type: "string" }, amount: { type: "string" }, memo: { type: "string" } },
    parse(values) {
      const orgId = required(values, "org");
      const amount = integer(values, "amount");
      const memo = text(values, "memo") ?? "";
      return async (store) => ({ orgId, ...(await store.topUp(orgId, amount, memo)) });
    },
  },
  "create-agent-token": {
    usage: "create-agent-token --name N [--types a,b]   (types default: any)",
    options: { name: { type: "string" }, types: { type: "string" } },
    parse(values) {
      const input = { name: required(values, "name"), jobTypes: list(values, "types") };
      return (store) => store.createAgentToken(input);
    },
  },
};

function usage(): string {
  const lines = Object.values(SUBCOMMANDS).map((s) => `  ${s.usage}`);
  return `usage: jobplane admin <subcommand> [options]   (database: DATABASE_URL)\n\n${lines.join("\n")}\n`;
}

function describeError(err: unknown): string {
  if (err instanceof DomainError && err.violations.length > 1) {
    return [err.message, ...err.violations.map((v) => `  ${v.path}: ${v.description}`)].join("\n");
  }
  return err instanceof Error ? err.message : String(err);
}

async function withStore<T>(fn: (store: AdminStore) => Promise<T>): Promise<T> {
  const orm = await createOrm(process.env.DATABASE_URL || DEFAULT_DATABASE_URL, { poolSize: 2 });
  try {
    const pending = await orm.migrator.getPending();
    if (pending.length > 0) {
      throw new Error(`the database has ${pending.length} pending migration(s): run "npx jobplane migrate" first`);
    }
    return await fn(createPgAdminStore(orm));
  } finally {
    await orm.close();
  }
}

/** Runs one admin subcommand; sets process.exitCode instead of exiting so the pool closes cleanly. */
export async function runAdmin(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return;
  }
  const sub = SUBCOMMANDS[name];
  if (!sub) {
    process.stderr.write(`jobplane admin: unknown subcommand "${name}"\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  try {
    const { values } = parseArgs({ args: rest, options: { ...sub.options, help: { type: "boolean", short: "h" } }, strict: true });
    if (values.help) {
      process.stdout.write(`usage: jobplane admin ${sub.usage}\n`);
      return;
    }
    const result = await withStore(sub.parse(values));
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    const badUsage = err instanceof UsageError || (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"));
    process.stderr.write(`jobplane admin ${name}: ${describeError(err)}\n${badUsage ? `usage: jobplane admin ${sub.usage}\n` : ""}`);
    process.exitCode = badUsage ? 2 : 1;
  }
}
