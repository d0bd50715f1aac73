import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase, JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import { movesCredits } from "./credit-events.js";
import { transition } from "./job-state-machine.js";
import type { LifecycleEvent } from "./lifecycle-event.js";

const EVENTS: readonly LifecycleEvent[] = [
  { kind: "submitted" },
  { kind: "published" },
  { kind: "claimed", agentId: "agt_0123456789abcdef" },
  { kind: "progressed", progress: { percent: 40, step: "encode", message: "pass 1" } },
  { kind: "completed", usageSeconds: 3 },
  { kind: "failed", reason: { code: ErrorCode.PROVIDER_ERROR, message: "boom", detail: "", phase: JobPhase.PROCESS } },
  { kind: "cancelRequested" },
  { kind: "cancelConfirmed" },
  { kind: "timedOut", message: "late" },
  { kind: "dispatchExhausted" },
  { kind: "retryRequested" },
];

const CREDIT_EFFECTS = new Set(["holdCredits", "captureCredits", "releaseCredits"]);

describe("movesCredits", () => {
  it("is true exactly for the events of transitions that hold, capture or release credits", () => {
    const seen = new Map<string, boolean>();
    for (const status of Object.values(JobStatus).filter((v): v is JobStatus => typeof v === "number")) {
      for (const event of EVENTS) {
        const result = transition(status, event);
        if (!result.ok) continue;
        const moves = result.effects.some((e) => CREDIT_EFFECTS.has(e.kind));
        for (const effect of result.effects) {
          if (effect.kind !== "emitEvent") continue;
          expect(movesCredits(effect.type), `${JobStatus[status]} + ${event.kind} → ${effect.type}`).toBe(moves);
          seen.set(effect.type, moves);
        }
      }
    }
    // Every job event type was reached by some transition.
    expect([...seen.keys()].sort()).toEqual([
      "job.cancel_requested",
      "job.cancelled",
      "job.completed",
      "job.created",
      "job.dispatched",
      "job.failed",
      "job.progress",
      "job.retried",
      "job.started",
    ]);
  });

  it("is true for the balance events and false for anything unknown", () => {
    expect(movesCredits("balance.low")).toBe(true);
    expect(movesCredits("balance.depleted")).toBe(true);
    expect(movesCredits("job.unknown")).toBe(false);
    expect(movesCredits("toString")).toBe(false);
  });
});
