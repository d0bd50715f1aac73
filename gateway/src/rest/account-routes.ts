/**
 * /billing and /api-keys: BillingService and AdminService's key calls, made
 * with the caller's own API key (the control plane checks billing:read and
 * keys:write and scopes everything to the key's org).
 */
import { validationError } from "../errors/rest-error.js";
import { ok, type Handler } from "../http/handler.js";
import { callOptions, type ControlPlane } from "../upstream/control-plane.js";
import { apiKeyJson, createApiKeyRequest, type CreateApiKeyBody } from "./api-key-json.js";
import { balanceJson, ledgerEntryJson } from "./catalog-json.js";
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "./list-jobs-query.js";
import { QueryReader } from "./query-params.js";

export function createAccountRoutes(cp: ControlPlane) {
  return {
    getBalance: (async (ctx) => {
      const res = await cp.billing.getBalance({}, callOptions(ctx.forwarded));
      return ok({ data: balanceJson(res) });
    }) satisfies Handler,

    listUsage: (async (ctx) => {
      const q = new QueryReader(ctx.query);
      const limit = q.integer("limit", 1, MAX_PAGE_LIMIT) ?? DEFAULT_PAGE_LIMIT;
      const cursor = q.string("cursor") ?? "";
      const jobId = q.string("jobId", 255) ?? "";
      if (q.violations.length > 0) throw validationError(q.violations);
      const res = await cp.billing.listUsage({ limit, cursor, jobId }, callOptions(ctx.forwarded));
      return ok({ data: res.entries.map(ledgerEntryJson), meta: { limit, nextCursor: res.nextCursor || null } });
    }) satisfies Handler,

    createApiKey: (async (ctx) => {
      const body = await ctx.body<CreateApiKeyBody>();
      const res = await cp.admin.createApiKey(createApiKeyRequest(body), callOptions(ctx.forwarded));
      return ok({ data: { key: apiKeyJson(res.key!), secret: res.apiKey } }, 201);
    }) satisfies Handler,

    listApiKeys: (async (ctx) => {
      const res = await cp.admin.listApiKeys({}, callOptions(ctx.forwarded));
      return ok({ data: res.keys.map(apiKeyJson) });
    }) satisfies Handler,

    revokeApiKey: (async (ctx) => {
      const res = await cp.admin.revokeApiKey({ id: ctx.params.id! }, callOptions(ctx.forwarded));
      return ok({ data: apiKeyJson(res.key!) });
    }) satisfies Handler,
  };
}
