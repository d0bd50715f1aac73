import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { DomainError } from "./domain-error.js";
import { WEBHOOK_EVENT_TYPES } from "../../../proto/webhooks/event-types.js";
import { DEFAULT_WEBHOOK_EVENTS, resolveWebhookEvents, testWebhookPayload } from "./webhook-events.js";

function violations(events: string[]) {
  try {
    resolveWebhookEvents(events);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe(ErrorCode.VALIDATION_ERROR);
    return (err as DomainError).violations;
  }
  throw new Error("expected a validation error");
}

describe("resolveWebhookEvents", () => {
  it("gives the default set, everything but job.progress, for an empty list", () => {
    expect(resolveWebhookEvents([])).toEqual(DEFAULT_WEBHOOK_EVENTS);
    expect(DEFAULT_WEBHOOK_EVENTS).not.toContain("job.progress");
    expect(DEFAULT_WEBHOOK_EVENTS).toHaveLength(WEBHOOK_EVENT_TYPES.length - 1);
  });

  it("keeps a valid list as given", () => {
    expect(resolveWebhookEvents(["job.progress", "balance.low"])).toEqual(["job.progress", "balance.low"]);
  });

  it("refuses unknown and repeated types at their index", () => {
    expect(violations(["job.completed", "job.exploded", "job.completed", "webhook.test"]).map((v) => v.path)).toEqual([
      "/events/1",
      "/events/2",
      "/events/3",
    ]);
  });
});

describe("testWebhookPayload", () => {
  it("has the shape of every event body", () => {
    const body = JSON.parse(testWebhookPayload("whe_1", new Date("2026-11-29T12:00:00.000Z")));
    expect(body).toEqual({
      type: "webhook.test",
      timestamp: "2026-11-29T12:00:00.000Z",
      data: { endpointId: "whe_1", message: expect.stringContaining("test event") },
    });
  });
});
