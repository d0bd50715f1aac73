/**
 * API keys between the wire and the store: the ApiKeyScope enum ↔ the scope
 * names keys carry ("jobs:read", …), and ApiKeyRecord → proto ApiKey. The
 * scope table is keyed by every ApiKeyScope, so a scope added to the proto
 * fails to compile until it is mapped here (and added to SCOPES).
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ApiKeySchema, ApiKeyScope, type ApiKey } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import type { Scope } from "../../app/principal.js";
import { validationError, type Violation } from "../../domain/domain-error.js";
import type { ApiKeyRecord } from "../postgres/admin-store.js";

/** UNSPECIFIED names no scope: it is refused, not ignored. */
const SCOPE_NAMES = {
  [ApiKeyScope.UNSPECIFIED]: undefined,
  [ApiKeyScope.JOBS_READ]: "jobs:read",
  [ApiKeyScope.JOBS_WRITE]: "jobs:write",
  [ApiKeyScope.BILLING_READ]: "billing:read",
  [ApiKeyScope.WEBHOOKS_WRITE]: "webhooks:write",
  [ApiKeyScope.KEYS_WRITE]: "keys:write",
} as const satisfies Record<ApiKeyScope, Scope | undefined>;

const SCOPE_ENUMS: ReadonlyMap<Scope, ApiKeyScope> = new Map(
  (Object.entries(SCOPE_NAMES) as [string, Scope | undefined][]).flatMap(([value, name]) =>
    name === undefined ? [] : [[name, Number(value) as ApiKeyScope] as const],
  ),
);

/**
 * Requested enum scopes → scope names. Empty stays empty (the store reads it
 * as "all"); UNSPECIFIED or an unknown number is a VALIDATION_ERROR at its index.
 */
export function scopesFromProto(scopes: readonly ApiKeyScope[]): Scope[] {
  const violations: Violation[] = [];
  const names: Scope[] = [];
  scopes.forEach((value, i) => {
    const name = (SCOPE_NAMES as Partial<Record<number, Scope | undefined>>)[value];
    if (name === undefined) violations.push({ path: `/scopes/${i}`, description: `not a valid scope (${value})` });
    else names.push(name);
  });
  if (violations.length > 0) throw validationError(violations);
  return names;
}

export function scopeToProto(scope: Scope): ApiKeyScope {
  return SCOPE_ENUMS.get(scope) ?? ApiKeyScope.UNSPECIFIED;
}

export function apiKeyToProto(key: ApiKeyRecord): ApiKey {
  return create(ApiKeySchema, {
    id: key.id,
    orgId: key.orgId,
    prefix: key.prefix,
    scopes: key.scopes.map(scopeToProto),
    testMode: key.testMode,
    name: key.name,
    expiresAt: key.expiresAt ? timestampFromDate(key.expiresAt) : undefined,
    revokedAt: key.revokedAt ? timestampFromDate(key.revokedAt) : undefined,
    createdAt: timestampFromDate(key.createdAt),
  });
}
