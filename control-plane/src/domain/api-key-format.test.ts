import { describe, expect, it } from "vitest";
import { bearerCredential, generateAgentToken, generateApiKey, hashSecret, looksLikeApiKey } from "./api-key-format.js";

describe("api key format", () => {
  it("generates live and test keys of the documented shape, hashed and prefixed", () => {
    const live = generateApiKey("live");
    expect(live.secret).toMatch(/^jp_live_[A-Za-z0-9_-]{43}$/);
    expect(looksLikeApiKey(live.secret)).toBe(true);
    expect(live.hash).toBe(hashSecret(live.secret));
    expect(live.hash).not.toContain(live.secret.slice(8));
    expect(live.prefix).toBe(live.secret.slice(0, 12));
    expect(generateApiKey("test").secret).toMatch(/^jp_test_/);
    expect(generateApiKey("live").secret).not.toBe(live.secret);
  });

  it("rejects strings that are not keys", () => {
    for (const s of ["", "jp_live_short", "jp_prod_" + "a".repeat(43), "Bearer jp_live_x"]) {
      expect(looksLikeApiKey(s)).toBe(false);
    }
  });

  it("reads the bearer credential", () => {
    expect(bearerCredential("Bearer abc")).toBe("abc");
    expect(bearerCredential("bearer   abc ")).toBe("abc");
    expect(bearerCredential("Basic abc")).toBeUndefined();
    expect(bearerCredential(null)).toBeUndefined();
    expect(bearerCredential("Bearer a b")).toBeUndefined();
  });

  it("generates agent tokens", () => {
    const { token, hash } = generateAgentToken();
    expect(token).toMatch(/^jpa_[A-Za-z0-9_-]{43}$/);
    expect(hash).toBe(hashSecret(token));
  });
});
