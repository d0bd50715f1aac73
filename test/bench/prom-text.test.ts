import { describe, expect, it } from "vitest";
import { promMean, promValue } from "./prom-text.js";

const TEXT = `# HELP jobplane_gateway_webhook_attempts_total Webhook POSTs by outcome
# TYPE jobplane_gateway_webhook_attempts_total counter
jobplane_gateway_webhook_attempts_total{outcome="delivered"} 3998
jobplane_gateway_webhook_attempts_total{outcome="http_error"} 2
jobplane_rpc_duration_seconds_sum{procedure="jobplane.v1.WebhookDeliveryService/ReportWebhookAttempt"} 12.5
jobplane_rpc_duration_seconds_count{procedure="jobplane.v1.WebhookDeliveryService/ReportWebhookAttempt"} 5000
jobplane_rpc_duration_seconds_bucket{le="0.01",procedure="jobplane.v1.WebhookDeliveryService/ReportWebhookAttempt"} 4000
nodejs_eventloop_lag_p99_seconds 0.012
odd_label{path="a\\"b"} 7
`;

describe("promValue", () => {
  it("reads an unlabelled sample", () => {
    expect(promValue(TEXT, "nodejs_eventloop_lag_p99_seconds")).toBe(0.012);
  });

  it("matches a subset of labels, and sums when several samples match", () => {
    expect(promValue(TEXT, "jobplane_gateway_webhook_attempts_total", { outcome: "delivered" })).toBe(3998);
    expect(promValue(TEXT, "jobplane_gateway_webhook_attempts_total")).toBe(4000);
  });

  it("does not take a longer metric name for the one asked (_sum vs _bucket)", () => {
    expect(promValue(TEXT, "jobplane_rpc_duration_seconds")).toBe(0);
  });

  it("unescapes label values", () => {
    expect(promValue(TEXT, "odd_label", { path: 'a"b' })).toBe(7);
  });

  it("is 0 for a metric or label that is not there", () => {
    expect(promValue(TEXT, "missing_total")).toBe(0);
    expect(promValue(TEXT, "jobplane_gateway_webhook_attempts_total", { outcome: "timeout" })).toBe(0);
  });
});

describe("promMean", () => {
  it("is sum / count of a histogram, scaled", () => {
    const procedure = "jobplane.v1.WebhookDeliveryService/ReportWebhookAttempt";
    expect(promMean(TEXT, "jobplane_rpc_duration_seconds", { procedure }, 1000)).toBeCloseTo(2.5);
  });

  it("is 0 for a histogram with no observations", () => {
    expect(promMean(TEXT, "jobplane_gateway_webhook_attempt_duration_seconds")).toBe(0);
  });
});
