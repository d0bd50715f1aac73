import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { DomainError } from "./domain-error.js";
import { newWebhookSecret, previousSecretWindowSeconds } from "./webhook-secret.js";

describe("newWebhookSecret", () => {
  it("is whsec_ + base64 of 32 random bytes, usable by standardwebhooks", () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    expect(() => new Webhook(secret)).not.toThrow();
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it("takes its bytes from the injected source", () => {
    expect(newWebhookSecret((n) => Buffer.alloc(n, 1))).toBe(`whsec_${Buffer.alloc(32, 1).toString("base64")}`);
  });
});

describe("previousSecretWindowSeconds", () => {
  it("defaults to a day and allows up to a week", () => {
    expect(previousSecretWindowSeconds(0)).toBe(86_400);
    expect(previousSecretWindowSeconds(1)).toBe(1);
    expect(previousSecretWindowSeconds(604_800)).toBe(604_800);
  });

  it("refuses more than a week", () => {
    expect(() => previousSecretWindowSeconds(604_801)).toThrow(DomainError);
    try {
      previousSecretWindowSeconds(604_801);
    } catch (err) {
      expect((err as DomainError).violations[0]?.path).toBe("/previousSecretValidSeconds");
    }
  });
});
