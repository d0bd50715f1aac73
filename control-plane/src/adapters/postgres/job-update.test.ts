import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase, JobStatus } from "../../../../proto/gen/jobplane/v1/job_pb.js";
import { transition } from "../../domain/job-state-machine.js";
import type { LifecycleEvent } from "../../domain/lifecycle-event.js";
import type { ApplyEventContext } from "./job-store.js";
import { planJobUpdate } from "./job-update.js";

function plan(from: JobStatus, event: LifecycleEvent, ctx?: ApplyEventContext) {
  const decided = transition(from, event);
  if (!decided.ok) throw new Error(decided.reason);
  return planJobUpdate(event, decided.next, decided.effects, ctx);
}

const columns = (p: ReturnType<typeof plan>) => p.sets.map((s) => s.sql.split(" = ")[0]);

describe("planJobUpdate", () => {
  it("always sets status, version and updated_at, each column once", () => {
    const p = plan(JobStatus.RUNNING, { kind: "completed", usageSeconds: 3 }, { actualCredits: 4 });
    const cols = columns(p);
    expect(cols.slice(0, 3)).toEqual(["status", "version", "updated_at"]);
    expect(new Set(cols).size).toBe(cols.length);
    expect(p.sets[0]?.params).toEqual(["complete"]);
  });

  it("captures on completion, capped by the previous hold", () => {
    const p = plan(JobStatus.RUNNING, { kind: "completed", usageSeconds: 3 }, { actualCredits: 4 });
    expect(p).toMatchObject({ capture: true, release: false, hold: false, events: ["job.completed"], afterCommit: [] });
    expect(p.sets.find((s) => s.sql.startsWith("actual_credits"))).toEqual({
      sql: "actual_credits = least(?::bigint, prev_held)",
      params: [4],
    });
  });

  it("needs the actual cost to capture", () => {
    expect(() => plan(JobStatus.RUNNING, { kind: "completed", usageSeconds: 3 })).toThrow(/actualCredits/);
    expect(() => plan(JobStatus.RUNNING, { kind: "completed", usageSeconds: 3 }, { actualCredits: -1 })).toThrow(RangeError);
  });

  it("records the failure by name with its retryable flag, and releases", () => {
    const p = plan(JobStatus.RUNNING, {
      kind: "failed",
      reason: { code: ErrorCode.PROVIDER_ERROR, message: "m", detail: "d", phase: JobPhase.UPLOAD },
    });
    expect(p.release).toBe(true);
    const error = p.sets.find((s) => s.sql.startsWith("error"));
    expect(JSON.parse(String(error?.params[0]))).toMatchObject({ code: "PROVIDER_ERROR", phase: "UPLOAD" });
    expect(JSON.parse(String(error?.params[0]))).toHaveProperty("retryable");
  });

  it("starts a retry clean: next attempt, new hold, and dispatch after commit", () => {
    const p = plan(JobStatus.FAILED, { kind: "retryRequested" });
    expect(p).toMatchObject({ hold: true, events: ["job.retried"], afterCommit: [{ kind: "publishDispatch" }] });
    expect(columns(p)).toEqual(
      expect.arrayContaining(["attempt", "error", "agent_id", "started_at", "completed_at", "held_credits", "steps"]),
    );
  });

  it("leaves the agent notice for after the commit", () => {
    const p = plan(JobStatus.RUNNING, { kind: "cancelRequested" });
    expect(p.afterCommit).toEqual([{ kind: "notifyAgent", reason: "cancel requested" }]);
    expect(columns(p)).toContain("cancel_requested");
    expect(p).toMatchObject({ hold: false, capture: false, release: false });
  });
});
