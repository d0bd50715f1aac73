import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { newWebhookSecret } from "./webhook-secret.js";
import { signWebhook } from "./webhook-signing.js";

const payload = JSON.stringify({ type: "job.completed", timestamp: "2026-11-29T12:00:00.000Z", data: { id: "job_1" } });

/** The headers as a receiver gets them. */
function headers(h: ReturnType<typeof signWebhook>) {
  return { "webhook-id": h.webhookId, "webhook-timestamp": h.webhookTimestamp, "webhook-signature": h.webhookSignature };
}

describe("signWebhook", () => {
  const current = newWebhookSecret();
  const previous = newWebhookSecret();
  // verify() checks the timestamp against the real clock: sign "now".
  const now = new Date();

  it("signs with the current secret in the Standard Webhooks format", () => {
    const h = signWebhook({ secret: current, previousSecret: null, previousSecretExpiresAt: null }, "evt_1", payload, now);
    expect(h.webhookId).toBe("evt_1");
    expect(h.webhookTimestamp).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(h.webhookSignature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(current).verify(payload, headers(h))).toEqual(JSON.parse(payload));
    expect(() => new Webhook(previous).verify(payload, headers(h))).toThrow();
  });

  it("adds the previous secret's signature while it is valid: both secrets verify", () => {
    const secrets = { secret: current, previousSecret: previous, previousSecretExpiresAt: new Date(now.getTime() + 1000) };
    const h = signWebhook(secrets, "evt_2", payload, now);
    expect(h.webhookSignature.split(" ")).toHaveLength(2);
    expect(new Webhook(current).verify(payload, headers(h))).toBeDefined();
    expect(new Webhook(previous).verify(payload, headers(h))).toBeDefined();
  });

  it("drops the previous secret once it expired", () => {
    const secrets = { secret: current, previousSecret: previous, previousSecretExpiresAt: now };
    const h = signWebhook(secrets, "evt_3", payload, now);
    expect(h.webhookSignature.split(" ")).toHaveLength(1);
    expect(new Webhook(current).verify(payload, headers(h))).toBeDefined();
    expect(() => new Webhook(previous).verify(payload, headers(h))).toThrow(/signature/);
  });

  it("signs the body byte for byte: a changed body does not verify", () => {
    const h = signWebhook({ secret: current, previousSecret: null, previousSecretExpiresAt: null }, "evt_4", payload, now);
    expect(() => new Webhook(current).verify(payload.replace("job_1", "job_2"), headers(h))).toThrow();
  });
});
