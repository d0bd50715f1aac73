import { describe, expect, it } from "vitest";
import { createParamsValidatorCache } from "./params-validator-cache.js";

const schema = { type: "object", required: ["a"] };

describe("params validator cache", () => {
  it("compiles once per (name, version) and recompiles when the version changes", () => {
    const cache = createParamsValidatorCache();
    const first = cache.validatorFor({ name: "t", version: "v1", paramsSchema: schema });
    expect(cache.validatorFor({ name: "t", version: "v1", paramsSchema: schema })).toBe(first);
    expect(first({})).toHaveLength(1);

    const second = cache.validatorFor({ name: "t", version: "v2", paramsSchema: { type: "object" } });
    expect(second).not.toBe(first);
    expect(second({})).toEqual([]);
  });

  it("keeps types apart", () => {
    const cache = createParamsValidatorCache();
    const a = cache.validatorFor({ name: "a", version: "v1", paramsSchema: schema });
    const b = cache.validatorFor({ name: "b", version: "v1", paramsSchema: { type: "object" } });
    expect(a({})).toHaveLength(1);
    expect(b({})).toEqual([]);
  });
});
