/**
 * API keys between REST and AdminService: scope names ("jobs:read") ↔ the
 * ApiKeyScope enum, ApiKey → REST JSON, and the create body → the request.
 * The scope table is keyed by every ApiKeyScope, so a scope added to the
 * proto fails to compile until it has a REST name. Pure.
 */
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ApiKeyScope, type ApiKey } from "../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { millis } from "./job-json.js";

const SCOPE_NAMES = {
  [ApiKeyScope.UNSPECIFIED]: undefined,
  [ApiKeyScope.JOBS_READ]: "jobs:read",
  [ApiKeyScope.JOBS_WRITE]: "jobs:write",
  [ApiKeyScope.BILLING_READ]: "billing:read",
  [ApiKeyScope.WEBHOOKS_WRITE]: "webhooks:write",
  [ApiKeyScope.KEYS_WRITE]: "keys:write",
} as const satisfies Record<ApiKeyScope, string | undefined>;

export type ScopeName = NonNullable<(typeof SCOPE_NAMES)[ApiKeyScope]>;

export const SCOPES: readonly ScopeName[] = Object.values(SCOPE_NAMES).filter((s): s is ScopeName => s !== undefined);

const SCOPE_BY_NAME = new Map(
  (Object.entries(SCOPE_NAMES) as [string, ScopeName | undefined][]).flatMap(([value, name]) =>
    name === undefined ? [] : [[name, Number(value) as ApiKeyScope] as const],
  ),
);

export interface RestApiKey {
  id: string;
  orgId: string;
  prefix: string;
  name: string;
  scopes: ScopeName[];
  testMode: boolean;
  expiresAt: number | null;
  revokedAt: number | null;
  createdAt: number | null;
}

export function apiKeyJson(key: ApiKey): RestApiKey {
  return {
    id: key.id,
    orgId: key.orgId,
    prefix: key.prefix,
    name: key.name,
    scopes: key.scopes.flatMap((s) => {
      const name = (SCOPE_NAMES as Partial<Record<number, ScopeName | undefined>>)[s];
      return name === undefined ? [] : [name];
    }),
    testMode: key.testMode,
    expiresAt: millis(key.expiresAt),
    revokedAt: millis(key.revokedAt),
    createdAt: millis(key.createdAt),
  };
}

/** The POST /api-keys body once it passed the OpenAPI request schema. */
export interface CreateApiKeyBody {
  name?: string;
  scopes?: ScopeName[];
  testMode?: boolean;
  expiresAt?: number;
}

export function createApiKeyRequest(body: CreateApiKeyBody) {
  return {
    name: body.name ?? "",
    scopes: (body.scopes ?? []).map((s) => SCOPE_BY_NAME.get(s) ?? ApiKeyScope.UNSPECIFIED),
    testMode: body.testMode ?? false,
    expiresAt: body.expiresAt === undefined ? undefined : timestampFromMs(body.expiresAt),
  };
}
