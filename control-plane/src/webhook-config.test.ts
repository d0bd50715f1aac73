import { describe, expect, it } from "vitest";
import { readWebhookConfig } from "./webhook-config.js";

describe("readWebhookConfig", () => {
  it("defaults to no private targets, 5 s doubling up to 6 h, 16 attempts, disable after 50 failures, 30 days of history", () => {
    expect(readWebhookConfig({})).toEqual({
      allowPrivate: false,
      retryBaseMs: 5000,
      retryMaxMs: 6 * 3600_000,
      maxAttempts: 16,
      disableAfterFailures: 50,
      retentionDays: 30,
      maxEndpointsPerOrg: 20,
    });
  });

  it("reads every setting", () => {
    expect(
      readWebhookConfig({
        JOBPLANE_WEBHOOK_ALLOW_PRIVATE: "1",
        JOBPLANE_WEBHOOK_RETRY_BASE_MS: "100",
        JOBPLANE_WEBHOOK_RETRY_MAX_MS: "1000",
        JOBPLANE_WEBHOOK_MAX_ATTEMPTS: "3",
        JOBPLANE_WEBHOOK_DISABLE_AFTER_FAILURES: "2",
        JOBPLANE_WEBHOOK_RETENTION_DAYS: "7",
        JOBPLANE_WEBHOOK_MAX_ENDPOINTS_PER_ORG: "5",
      }),
    ).toEqual({ allowPrivate: true, retryBaseMs: 100, retryMaxMs: 1000, maxAttempts: 3, disableAfterFailures: 2, retentionDays: 7, maxEndpointsPerOrg: 5 });
    expect(readWebhookConfig({ JOBPLANE_WEBHOOK_ALLOW_PRIVATE: "0" }).allowPrivate).toBe(false);
  });

  it("refuses malformed values, naming the variable", () => {
    expect(() => readWebhookConfig({ JOBPLANE_WEBHOOK_ALLOW_PRIVATE: "yes" })).toThrow(/JOBPLANE_WEBHOOK_ALLOW_PRIVATE must be 0 or 1/);
    expect(() => readWebhookConfig({ JOBPLANE_WEBHOOK_MAX_ATTEMPTS: "0" })).toThrow(/JOBPLANE_WEBHOOK_MAX_ATTEMPTS/);
    expect(() => readWebhookConfig({ JOBPLANE_WEBHOOK_DISABLE_AFTER_FAILURES: "x" })).toThrow(/DISABLE_AFTER_FAILURES/);
    expect(() => readWebhookConfig({ JOBPLANE_WEBHOOK_RETENTION_DAYS: "0" })).toThrow(/JOBPLANE_WEBHOOK_RETENTION_DAYS/);
    expect(() => readWebhookConfig({ JOBPLANE_WEBHOOK_RETRY_BASE_MS: "10000", JOBPLANE_WEBHOOK_RETRY_MAX_MS: "5000" })).toThrow(
      /at least JOBPLANE_WEBHOOK_RETRY_BASE_MS/,
    );
  });
});
