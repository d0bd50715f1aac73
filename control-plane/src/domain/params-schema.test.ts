import { describe, expect, it } from "vitest";
import { compileParamsSchema, ParamsSchemaError, paramsSchemaProblem } from "./params-schema.js";

const THUMBNAIL = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  additionalProperties: false,
  required: ["atSeconds"],
  properties: {
    atSeconds: { type: "number", minimum: 0 },
    width: { type: "integer", minimum: 1, maximum: 7680 },
    format: { enum: ["jpeg", "png"] },
    callback: { type: "string", format: "uri" },
    nested: { type: "object", properties: { "a/b": { type: "string" } } },
  },
};

describe("compileParamsSchema", () => {
  const validate = compileParamsSchema(THUMBNAIL);

  it("accepts valid params", () => {
    expect(validate({ atSeconds: 1.5, width: 320, format: "png" })).toEqual([]);
  });

  it("reports every violation with the JSON pointer of the value", () => {
    const violations = validate({ width: 0.5, format: "gif", extra: true, nested: { "a/b": 3 } });
    expect(violations).toEqual(
      expect.arrayContaining([
        { path: "/atSeconds", description: "is required" },
        { path: "/extra", description: "is not allowed" },
        { path: "/width", description: "must be integer" },
        { path: "/width", description: "must be >= 1" },
        { path: "/format", description: 'must be one of "jpeg", "png"' },
        { path: "/nested/a~1b", description: "must be string" },
      ]),
    );
    expect(violations).toHaveLength(6);
  });

  it("reports a wrong root as '/'", () => {
    expect(validate([1, 2])).toEqual([{ path: "/", description: "must be object" }]);
  });

  it("checks formats (ajv-formats)", () => {
    expect(validate({ atSeconds: 0, callback: "not a uri" })).toEqual([
      { path: "/callback", description: 'must match format "uri"' },
    ]);
  });

  it("tolerates unknown keywords (strict off)", () => {
    expect(compileParamsSchema({ type: "object", "x-ui": { order: 1 } })({})).toEqual([]);
  });

  it("rejects schemas that are not objects or not valid 2020-12", () => {
    expect(() => compileParamsSchema([])).toThrow(ParamsSchemaError);
    expect(() => compileParamsSchema({ type: "strng" })).toThrow(/not a valid JSON Schema/);
    expect(() => compileParamsSchema({ properties: { a: { minimum: "zero" } } })).toThrow(ParamsSchemaError);
    expect(() => compileParamsSchema({ $ref: "https://example.com/remote.json" })).toThrow(ParamsSchemaError);
  });

  it("lets two schemas with the same $id coexist", () => {
    const a = compileParamsSchema({ $id: "https://jobplane.dev/p", type: "object", required: ["a"] });
    const b = compileParamsSchema({ $id: "https://jobplane.dev/p", type: "object", required: ["b"] });
    expect(a({ b: 1 })).toHaveLength(1);
    expect(b({ b: 1 })).toEqual([]);
    // A schema that failed to compile leaves nothing behind either.
    expect(() => compileParamsSchema({ $id: "https://jobplane.dev/q", type: "nope" })).toThrow(ParamsSchemaError);
    expect(compileParamsSchema({ $id: "https://jobplane.dev/q", type: "object" })({})).toEqual([]);
  });
});

describe("paramsSchemaProblem", () => {
  it("is undefined for a usable schema and the reason otherwise", () => {
    expect(paramsSchemaProblem({ type: "object" })).toBeUndefined();
    expect(paramsSchemaProblem({ type: 7 })).toMatch(/not a valid JSON Schema/);
  });
});
