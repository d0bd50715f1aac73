/**
 * AdminService: the operator's API over Connect, on top of the AdminStore the
 * CLI also uses. CreateOrg, TopUpCredits and CreateAgentToken take only the
 * admin token (JOBPLANE_ADMIN_TOKEN). The key calls also accept an org's own
 * API key with keys:write — so a tenant can rotate keys without the operator —
 * and then act on that org only: another org's id or key is NOT_FOUND (never
 * FORBIDDEN, which would confirm it exists). A test-mode key may create only
 * test-mode keys, so a leaked CI key cannot mint keys that spend credits.
 * A bearer starting with "jp_" is judged as an API key (counted against its
 * rate limit like any call); anything else as the admin token.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { AdminService } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { bearerCredential } from "../../domain/api-key-format.js";
import { forbidden, notFound, unauthorized, validationError, type Violation } from "../../domain/domain-error.js";
import { createPgAdminStore } from "../postgres/pg-admin-store.js";
import { createRedriveHandlers } from "./admin-redrive-handlers.js";
import { createJobTypeAdminHandlers } from "./admin-job-type-handlers.js";
import { apiKeyToProto, scopesFromProto } from "./api-key-proto.js";
import type { RpcDeps } from "./rpc-deps.js";

/** Who is managing keys: the operator (any org), or one org through its own key. */
type KeyCaller = { readonly kind: "admin" } | { readonly kind: "org"; readonly orgId: string; readonly testMode: boolean };

/**
 * An int64 field as a JS number. Values beyond 2^53 come out unsafe, which
 * the store's Number.isSafeInteger checks then refuse as VALIDATION_ERROR.
 */
const int64 = (value: bigint): number => Number(value);

/** Struct labels → the string map agents carry; other value types are refused. */
function stringLabels(labels: JsonObject | undefined): Record<string, string> {
  const violations: Violation[] = [];
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (typeof value === "string") result[key] = value;
    else violations.push({ path: `/labels/${key}`, description: "must be a string" });
  }
  if (violations.length > 0) throw validationError(violations);
  return result;
}

export function createAdminService(deps: RpcDeps): Partial<ServiceImpl<typeof AdminService>> {
  const store = createPgAdminStore(deps.orm, deps.clock);
  const header = (ctx: HandlerContext): string | null => ctx.requestHeader.get("authorization");
  const requireAdmin = (ctx: HandlerContext): Promise<void> => deps.auth.authenticateAdmin(header(ctx));

  async function keyCaller(ctx: HandlerContext): Promise<KeyCaller> {
    const authorization = header(ctx);
    const credential = bearerCredential(authorization);
    if (credential === undefined) {
      throw unauthorized("missing credential: send Authorization: Bearer <admin token, or an API key with keys:write>");
    }
    if (credential.startsWith("jp_")) {
      const principal = await deps.auth.authenticate(authorization, "keys:write");
      return { kind: "org", orgId: principal.orgId, testMode: principal.testMode };
    }
    await deps.auth.authenticateAdmin(authorization);
    return { kind: "admin" };
  }

  /** The org a key call acts on: required with the admin token; empty or the caller's own with an org key. */
  function targetOrg(caller: KeyCaller, requested: string): string {
    if (caller.kind === "admin") {
      if (requested === "") throw validationError([{ path: "/orgId", description: "is required with the admin token" }]);
      return requested;
    }
    if (requested !== "" && requested !== caller.orgId) throw notFound(`org ${requested}`);
    return caller.orgId;
  }

  return {
    ...createJobTypeAdminHandlers(deps),
    ...createRedriveHandlers(deps),

    async createOrg(req, ctx) {
      await requireAdmin(ctx);
      const created = await store.createOrg({ name: req.name, plan: req.plan, credits: int64(req.credits) });
      return { orgId: created.orgId, apiKey: created.apiKey, key: apiKeyToProto(created.key) };
    },

    async createApiKey(req, ctx) {
      const caller = await keyCaller(ctx);
      const orgId = targetOrg(caller, req.orgId);
      if (caller.kind === "org" && caller.testMode && !req.testMode) {
        throw forbidden("a test-mode API key can create only test-mode keys");
      }
      const created = await store.createApiKey({
        orgId,
        name: req.name,
        scopes: scopesFromProto(req.scopes),
        testMode: req.testMode,
        expiresAt: req.expiresAt ? timestampDate(req.expiresAt) : null,
      });
      return { apiKey: created.secret, key: apiKeyToProto(created.key) };
    },

    async listApiKeys(req, ctx) {
      const caller = await keyCaller(ctx);
      const keys = await store.listApiKeys(targetOrg(caller, req.orgId));
      return { keys: keys.map(apiKeyToProto) };
    },

    async revokeApiKey(req, ctx) {
      const caller = await keyCaller(ctx);
      const key = await store.revokeApiKey(req.id, caller.kind === "org" ? caller.orgId : undefined);
      return { key: apiKeyToProto(key) };
    },

    async topUpCredits(req, ctx) {
      await requireAdmin(ctx);
      const balance = await store.topUp(req.orgId, int64(req.amount), req.memo);
      return { balance: BigInt(balance.balance), held: BigInt(balance.held), available: BigInt(balance.available) };
    },

    async createAgentToken(req, ctx) {
      await requireAdmin(ctx);
      const created = await store.createAgentToken({ name: req.name, jobTypes: req.jobTypes, labels: stringLabels(req.labels) });
      return { agentId: created.agentId, token: created.token };
    },
  };
}
