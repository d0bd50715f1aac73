import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ApiKeyScope, ApiKeySchema } from "../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { GetBalanceResponseSchema, LedgerEntryKind, LedgerEntrySchema } from "../../../proto/gen/jobplane/v1/billing_service_pb.js";
import { JobTypeSchema } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { openApiDocument } from "../openapi/document.js";
import { createResponseValidator } from "../openapi/response-validator.js";
import { apiKeyJson, createApiKeyRequest, SCOPES } from "./api-key-json.js";
import { balanceJson, jobTypeJson, ledgerEntryJson } from "./catalog-json.js";
import { submitJobRequest } from "./submit-body.js";

const schema = createResponseValidator(structuredClone(openApiDocument));

describe("catalog and billing JSON", () => {
  it("renders a job type with its pricing", () => {
    const json = jobTypeJson(
      create(JobTypeSchema, {
        name: "test.sleep",
        description: "sleeps",
        paramsSchema: { type: "object", required: ["seconds"] },
        maxExecutionSeconds: 300,
        queueTtlSeconds: 600,
        baseCredits: 1n,
        creditsPerSecond: 1n,
        allowedPlans: ["free", "pro"],
      }),
    );
    expect(json).toEqual({
      name: "test.sleep",
      description: "sleeps",
      paramsSchema: { type: "object", required: ["seconds"] },
      maxExecutionSeconds: 300,
      queueTtlSeconds: 600,
      pricing: { baseCredits: 1, creditsPerSecond: 1 },
      allowedPlans: ["free", "pro"],
    });
    expect(schema.checkSchema("JobType", json).problem).toBeUndefined();
  });

  it("renders the balance and ledger entries (job fields null when the entry has no job)", () => {
    expect(balanceJson(create(GetBalanceResponseSchema, { balance: 100n, held: 30n, available: 70n }))).toEqual({ balance: 100, held: 30, available: 70 });
    const hold = ledgerEntryJson(
      create(LedgerEntrySchema, { id: "1", kind: LedgerEntryKind.HOLD, amount: 5n, jobId: "job_1", attempt: 1, memo: "hold", createdAt: timestampFromMs(7) }),
    );
    expect(hold).toEqual({ id: "1", kind: "hold", amount: 5, jobId: "job_1", attempt: 1, memo: "hold", createdAt: 7 });
    const topup = ledgerEntryJson(create(LedgerEntrySchema, { id: "2", kind: LedgerEntryKind.TOPUP, amount: 100n }));
    expect(topup).toMatchObject({ kind: "topup", jobId: null, attempt: null, createdAt: null });
    expect(schema.checkSchema("LedgerEntry", hold).problem).toBeUndefined();
    expect(schema.checkSchema("LedgerEntry", topup).problem).toBeUndefined();
  });
});

describe("API key JSON", () => {
  it("names every scope and maps names back to the enum", () => {
    expect(SCOPES).toEqual(["jobs:read", "jobs:write", "billing:read", "webhooks:write", "keys:write"]);
    const req = createApiKeyRequest({ name: "ci", scopes: ["jobs:read", "keys:write"], testMode: true, expiresAt: 1000 });
    expect(req.scopes).toEqual([ApiKeyScope.JOBS_READ, ApiKeyScope.KEYS_WRITE]);
    expect(req.expiresAt?.seconds).toBe(1n);
    expect(createApiKeyRequest({})).toEqual({ name: "", scopes: [], testMode: false, expiresAt: undefined });
  });

  it("renders a key without its secret", () => {
    const json = apiKeyJson(
      create(ApiKeySchema, {
        id: "key_1",
        orgId: "org_1",
        prefix: "jp_live_ab12",
        scopes: [ApiKeyScope.JOBS_READ, ApiKeyScope.UNSPECIFIED],
        name: "ci",
        createdAt: timestampFromMs(5),
      }),
    );
    expect(json).toEqual({
      id: "key_1",
      orgId: "org_1",
      prefix: "jp_live_ab12",
      name: "ci",
      scopes: ["jobs:read"],
      testMode: false,
      expiresAt: null,
      revokedAt: null,
      createdAt: 5,
    });
    expect(schema.checkSchema("ApiKey", json).problem).toBeUndefined();
  });
});

describe("submitJobRequest", () => {
  it("fills defaults and keeps input names in their proto JSON form", () => {
    expect(submitJobRequest({ type: "test.echo" })).toEqual({ type: "test.echo", params: {}, inputs: [], idempotencyKey: "", priority: 0 });
    const req = submitJobRequest({ type: "t", inputs: [{ name: "source", url: "https://x.test/a", sizeBytes: 10 }], priority: 2 });
    expect(req.inputs).toEqual([{ name: "source", url: "https://x.test/a", sizeBytes: 10n, contentType: "" }]);
    expect(req.priority).toBe(2);
  });
});
