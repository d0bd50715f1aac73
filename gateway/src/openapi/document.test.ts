import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument, pathParams } from "./document.js";
import { operations } from "./operations.js";
import { createRequestValidator } from "./request-validator.js";
import { createResponseValidator } from "./response-validator.js";

const doc = openApiDocument as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(openApiDocument) as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("has exactly one operation per entry of the operation list", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([m, op]) => `${m.toUpperCase()} ${path} ${op.operationId}`),
    );
    const listed = Object.entries(operations).map(([id, op]) => `${op.method} ${op.path} ${id}`);
    expect(documented.sort()).toEqual(listed.sort());
  });

  it("gives every operation an error envelope as its default response", () => {
    for (const methods of Object.values(doc.paths)) {
      for (const op of Object.values(methods)) expect(op.responses.default, op.operationId).toBeDefined();
    }
  });

  it("documents 503 UNAVAILABLE with Retry-After on every call that reaches the control plane", () => {
    const authed = Object.entries(operations).filter(([, op]) => op.auth);
    expect(authed.length).toBeGreaterThan(0);
    for (const [id, op] of authed) {
      const unavailable = doc.paths[op.path]![op.method.toLowerCase()]!.responses["503"] as { description: string; headers: Record<string, unknown> };
      expect(unavailable?.description, id).toMatch(/^UNAVAILABLE/);
      expect(Object.keys(unavailable.headers), id).toEqual(["X-Request-Id", "Retry-After"]);
    }
  });

  it("names path parameters from the template", () => {
    expect(pathParams("/jobs/types/{type}/schema")).toEqual(["type"]);
    expect(pathParams("/jobs")).toEqual([]);
  });
});

describe("createResponseValidator", () => {
  const v = createResponseValidator(structuredClone(openApiDocument));

  it("accepts a documented error envelope and refuses an extra field", () => {
    const body = { error: { code: "NOT_FOUND", message: "job job_1 not found", details: {} } };
    expect(v.check("GET", "/jobs/{id}", 404, "application/json", body).problem).toBeUndefined();
    expect(v.check("GET", "/jobs/{id}", 404, "application/json", { ...body, extra: 1 }).problem).toMatch(/additional/);
  });

  it("falls back to default for undocumented error statuses", () => {
    const body = { error: { code: "METHOD_NOT_ALLOWED", message: "x", details: {} } };
    expect(v.check("POST", "/jobs/{id}", 405, "application/json", body).problem).toMatch(/not in the document/);
    expect(v.check("GET", "/jobs/{id}", 500, "application/json", { error: { code: "INTERNAL_ERROR", message: "x", details: {} } }).problem).toBeUndefined();
    expect(v.check("GET", "/jobs/{id}", 504, "application/json", { error: { code: "UPSTREAM_TIMEOUT", message: "x", details: {} } }).problem).toBeUndefined();
    expect(v.check("GET", "/jobs/{id}", 503, "application/json", { error: { code: "UNAVAILABLE", message: "x", details: { retryAfterMs: 1000 } } }).problem).toBeUndefined();
  });

  it("refuses an error code that is not in the enum, and an undocumented content type", () => {
    expect(v.check("GET", "/jobs/{id}", 404, "application/json", { error: { code: "NOPE", message: "x", details: {} } }).problem).toBeDefined();
    expect(v.check("GET", "/jobs/{id}", 200, "text/html", "<p>").problem).toMatch(/not documented/);
  });

  it("checks component schemas by name", () => {
    expect(v.checkSchema("Balance", { balance: 1, held: 0, available: 1 }).problem).toBeUndefined();
    expect(v.checkSchema("Balance", { balance: "1", held: 0, available: 1 }).problem).toBeDefined();
  });
});

describe("createRequestValidator", () => {
  const v = createRequestValidator(structuredClone(openApiDocument));

  it("accepts a minimal submit", () => {
    expect(v.violations("SubmitJobRequest", { type: "test.echo" })).toEqual([]);
  });

  it("names every bad field with a JSON pointer into the body", () => {
    const violations = v.violations("SubmitJobRequest", {
      params: [],
      inputs: [{ name: "a", url: 3 }],
      priority: 1.5,
      color: "red",
    });
    expect(violations).toEqual(
      expect.arrayContaining([
        { path: "/type", description: "is required" },
        { path: "/color", description: "is not a known field" },
        { path: "/params", description: "must be object" },
        { path: "/inputs/0/url", description: "must be string" },
        { path: "/priority", description: "must be integer" },
      ]),
    );
  });

  it("lists allowed values of an enum", () => {
    expect(v.violations("CreateApiKeyRequest", { scopes: ["jobs:read", "root"] })).toEqual([
      { path: "/scopes/1", description: expect.stringContaining('"jobs:write"') },
    ]);
  });
});
