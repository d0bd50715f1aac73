import { describe, expect, it } from "vitest";
import { ApiKeyScope } from "../../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { SCOPES } from "../../app/principal.js";
import { DomainError } from "../../domain/domain-error.js";
import { apiKeyToProto, scopesFromProto, scopeToProto } from "./api-key-proto.js";

describe("API key scopes on the wire", () => {
  it("maps every scope name to a distinct enum value and back", () => {
    const values = SCOPES.map(scopeToProto);
    expect(new Set(values).size).toBe(SCOPES.length);
    expect(values).not.toContain(ApiKeyScope.UNSPECIFIED);
    expect(scopesFromProto(values)).toEqual([...SCOPES]);
  });

  it("keeps an empty list empty (the store reads it as all)", () => {
    expect(scopesFromProto([])).toEqual([]);
  });

  it("refuses UNSPECIFIED and unknown values with their index", () => {
    let caught: unknown;
    try {
      scopesFromProto([ApiKeyScope.JOBS_READ, ApiKeyScope.UNSPECIFIED, 99 as ApiKeyScope]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DomainError);
    const err = caught as DomainError;
    expect(err.code).toBe(ErrorCode.VALIDATION_ERROR);
    expect(err.violations.map((v) => v.path)).toEqual(["/scopes/1", "/scopes/2"]);
  });
});

describe("apiKeyToProto", () => {
  it("renders a key with its optional timestamps set only when present", () => {
    const createdAt = new Date("2026-11-29T12:00:00.000Z");
    const key = apiKeyToProto({
      id: "key_1",
      orgId: "org_1",
      prefix: "jp_test_AbCd",
      scopes: ["jobs:read", "keys:write"],
      testMode: true,
      name: "ci",
      expiresAt: null,
      revokedAt: new Date("2026-11-30T00:00:00.000Z"),
      createdAt,
    });
    expect(key.scopes).toEqual([ApiKeyScope.JOBS_READ, ApiKeyScope.KEYS_WRITE]);
    expect(key.expiresAt).toBeUndefined();
    expect(key.revokedAt?.seconds).toBe(BigInt(Date.parse("2026-11-30T00:00:00Z") / 1000));
    expect(key.createdAt?.seconds).toBe(BigInt(createdAt.getTime() / 1000));
    expect(key).toMatchObject({ id: "key_1", orgId: "org_1", prefix: "jp_test_AbCd", testMode: true, name: "ci" });
  });
});
