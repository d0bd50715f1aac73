import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import { JobPhase, JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import {
  DISPATCH_EXHAUSTED_MESSAGE,
  isTerminal,
  statusName,
  transition,
} from "./job-state-machine.js";
import type { Effect, LifecycleEvent, LifecycleEventKind } from "./lifecycle-event.js";

/**
 * One sample event per kind. Typed as a mapped record so that a new event
 * kind fails to compile here until it has a sample (and so each sample's
 * kind matches its key).
 */
const SAMPLES: { readonly [K in LifecycleEventKind]: Extract<LifecycleEvent, { kind: K }> } = {
  submitted: { kind: "submitted" },
  published: { kind: "published" },
  claimed: { kind: "claimed", agentId: "agt_0123456789abcdef" },
  progressed: { kind: "progressed", progress: { percent: 40, step: "encode", message: "pass 1" } },
  completed: { kind: "completed", usageSeconds: 12.5 },
  failed: {
    kind: "failed",
    reason: {
      code: ErrorCode.PROVIDER_ERROR,
      message: "ffmpeg exited with code 1",
      detail: "stderr tail",
      phase: JobPhase.PROCESS,
    },
  },
  cancelRequested: { kind: "cancelRequested" },
  cancelConfirmed: { kind: "cancelConfirmed" },
  timedOut: { kind: "timedOut", message: "exceeded max execution time of 600s" },
  dispatchExhausted: { kind: "dispatchExhausted" },
  retryRequested: { kind: "retryRequested" },
};

const EVENT_KINDS = Object.keys(SAMPLES) as LifecycleEventKind[];

/** Every JobStatus, read from the enum object itself (numeric members only). */
const STATUSES: JobStatus[] = Object.values(JobStatus).filter(
  (v): v is JobStatus => typeof v === "number",
);

/** An effect as a short string: emitEvent carries its type, the rest their kind. */
function sig(effect: Effect): string {
  return effect.kind === "emitEvent" ? `emitEvent:${effect.type}` : effect.kind;
}

type S = keyof typeof JobStatus;

/**
 * The allowed pairs, written out independently of the implementation's
 * table: [from, event kind, next, effect signatures in order]. Every pair not
 * listed must be a CONFLICT.
 */
const ALLOWED: ReadonlyArray<readonly [S, LifecycleEventKind, S, readonly string[]]> = [
  ["UNSPECIFIED", "submitted", "WAITING", ["holdCredits", "emitEvent:job.created", "publishDispatch"]],
  ["WAITING", "published", "DISPATCHED", ["emitEvent:job.dispatched"]],
  ["WAITING", "cancelRequested", "CANCELLED", ["releaseCredits", "emitEvent:job.cancelled"]],
  ["DISPATCHED", "claimed", "RUNNING", ["emitEvent:job.started"]],
  ["DISPATCHED", "cancelRequested", "CANCELLED", ["releaseCredits", "emitEvent:job.cancelled"]],
  ["DISPATCHED", "timedOut", "FAILED", ["recordError", "releaseCredits", "emitEvent:job.failed"]],
  ["DISPATCHED", "dispatchExhausted", "FAILED", ["recordError", "releaseCredits", "emitEvent:job.failed"]],
  ["RUNNING", "progressed", "RUNNING", ["emitEvent:job.progress"]],
  ["RUNNING", "completed", "COMPLETE", ["captureCredits", "emitEvent:job.completed"]],
  ["RUNNING", "failed", "FAILED", ["recordError", "releaseCredits", "emitEvent:job.failed"]],
  [
    "RUNNING",
    "cancelRequested",
    "RUNNING",
    ["markCancelRequested", "notifyAgent", "emitEvent:job.cancel_requested"],
  ],
  ["RUNNING", "cancelConfirmed", "CANCELLED", ["releaseCredits", "emitEvent:job.cancelled"]],
  [
    "RUNNING",
    "timedOut",
    "FAILED",
    ["recordError", "releaseCredits", "notifyAgent", "emitEvent:job.failed"],
  ],
  [
    "FAILED",
    "retryRequested",
    "WAITING",
    ["incrementAttempt", "holdCredits", "emitEvent:job.retried", "publishDispatch"],
  ],
];

const expected = new Map(
  ALLOWED.map(([from, kind, next, effects]) => [
    `${JobStatus[from]}:${kind}`,
    { next: JobStatus[next], effects },
  ]),
);

describe("transition matrix", () => {
  it("covers all seven statuses and eleven event kinds", () => {
    expect(STATUSES).toHaveLength(7);
    expect(EVENT_KINDS).toHaveLength(11);
    for (const kind of EVENT_KINDS) expect(SAMPLES[kind].kind).toBe(kind);
    expect(ALLOWED).toHaveLength(expected.size); // no duplicate rows in the expectation
  });

  for (const from of STATUSES) {
    for (const kind of EVENT_KINDS) {
      const want = expected.get(`${from}:${kind}`);
      const label = `${statusName(from)} + ${kind} → ${want ? statusName(want.next) : "CONFLICT"}`;
      it(label, () => {
        const result = transition(from, SAMPLES[kind]);
        if (want === undefined) {
          expect(result.ok).toBe(false);
          if (result.ok) return;
          expect(result.code).toBe(ErrorCode.CONFLICT);
          expect(result.reason).toMatch(/^cannot .+ a job that is .+$/);
        } else {
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          expect(result.next).toBe(want.next);
          expect(result.effects.map(sig)).toEqual(want.effects);
        }
      });
    }
  }
});

describe("invariants over the real table", () => {
  const allowedResults = STATUSES.flatMap((from) =>
    EVENT_KINDS.flatMap((kind) => {
      const r = transition(from, SAMPLES[kind]);
      return r.ok ? [{ from, kind, next: r.next, effects: r.effects }] : [];
    }),
  );

  it("every allowed transition emits exactly one user event", () => {
    for (const t of allowedResults) {
      expect(t.effects.filter((e) => e.kind === "emitEvent"), `${t.from}:${t.kind}`).toHaveLength(1);
    }
  });

  it("entering FAILED or CANCELLED releases the hold; entering COMPLETE captures it", () => {
    for (const t of allowedResults) {
      const kinds = t.effects.map((e) => e.kind);
      if (t.next === JobStatus.FAILED || t.next === JobStatus.CANCELLED) {
        expect(kinds, `${t.from}:${t.kind}`).toContain("releaseCredits");
      }
      if (t.next === JobStatus.COMPLETE) expect(kinds).toContain("captureCredits");
      if (t.next === JobStatus.FAILED) expect(kinds).toContain("recordError");
    }
  });

  it("entering WAITING holds credits and publishes a dispatch", () => {
    for (const t of allowedResults.filter((x) => x.next === JobStatus.WAITING)) {
      expect(t.effects.map((e) => e.kind)).toEqual(
        expect.arrayContaining(["holdCredits", "publishDispatch"]),
      );
    }
  });

  it("COMPLETE and CANCELLED accept nothing; FAILED accepts only a retry", () => {
    expect(allowedResults.filter((t) => t.from === JobStatus.COMPLETE)).toEqual([]);
    expect(allowedResults.filter((t) => t.from === JobStatus.CANCELLED)).toEqual([]);
    expect(allowedResults.filter((t) => t.from === JobStatus.FAILED).map((t) => t.kind)).toEqual([
      "retryRequested",
    ]);
  });

  it("no allowed transition leaves a terminal status except FAILED's retry", () => {
    for (const t of allowedResults.filter((x) => isTerminal(x.from))) {
      expect([t.from, t.kind]).toEqual([JobStatus.FAILED, "retryRequested"]);
    }
  });

  it("submitted is allowed only from UNSPECIFIED (not yet saved)", () => {
    expect(allowedResults.filter((t) => t.kind === "submitted").map((t) => t.from)).toEqual([
      JobStatus.UNSPECIFIED,
    ]);
  });
});

describe("effect payloads", () => {
  it("a reported failure is recorded as given", () => {
    const r = transition(JobStatus.RUNNING, SAMPLES.failed);
    expect(r).toEqual({
      ok: true,
      next: JobStatus.FAILED,
      effects: [
        { kind: "recordError", reason: SAMPLES.failed.reason },
        { kind: "releaseCredits" },
        { kind: "emitEvent", type: "job.failed" },
      ],
    });
  });

  it("a running timeout records PROVIDER_TIMEOUT in PROCESS and tells the agent", () => {
    const r = transition(JobStatus.RUNNING, { kind: "timedOut", message: "no heartbeat for 90s" });
    expect(r).toEqual({
      ok: true,
      next: JobStatus.FAILED,
      effects: [
        {
          kind: "recordError",
          reason: {
            code: ErrorCode.PROVIDER_TIMEOUT,
            message: "no heartbeat for 90s",
            detail: "",
            phase: JobPhase.PROCESS,
          },
        },
        { kind: "releaseCredits" },
        { kind: "notifyAgent", reason: "timed out" },
        { kind: "emitEvent", type: "job.failed" },
      ],
    });
  });

  it("a dispatched timeout records PROVIDER_TIMEOUT in DISPATCH and notifies no agent", () => {
    const r = transition(JobStatus.DISPATCHED, { kind: "timedOut", message: "not claimed in 10m" });
    expect(r).toEqual({
      ok: true,
      next: JobStatus.FAILED,
      effects: [
        {
          kind: "recordError",
          reason: {
            code: ErrorCode.PROVIDER_TIMEOUT,
            message: "not claimed in 10m",
            detail: "",
            phase: JobPhase.DISPATCH,
          },
        },
        { kind: "releaseCredits" },
        { kind: "emitEvent", type: "job.failed" },
      ],
    });
  });

  it("exhausted dispatch records DISPATCH_EXHAUSTED with the fixed message", () => {
    const r = transition(JobStatus.DISPATCHED, SAMPLES.dispatchExhausted);
    expect(r.ok && r.effects[0]).toEqual({
      kind: "recordError",
      reason: {
        code: ErrorCode.DISPATCH_EXHAUSTED,
        message: DISPATCH_EXHAUSTED_MESSAGE,
        detail: "",
        phase: JobPhase.DISPATCH,
      },
    });
    expect(DISPATCH_EXHAUSTED_MESSAGE).toBe(
      "job could not be dispatched after all delivery attempts",
    );
  });

  it("cancelling a running job keeps it RUNNING and tells the agent why", () => {
    const r = transition(JobStatus.RUNNING, SAMPLES.cancelRequested);
    expect(r).toEqual({
      ok: true,
      next: JobStatus.RUNNING,
      effects: [
        { kind: "markCancelRequested" },
        { kind: "notifyAgent", reason: "cancel requested" },
        { kind: "emitEvent", type: "job.cancel_requested" },
      ],
    });
  });

  it("returns a fresh effects array on every call", () => {
    const a = transition(JobStatus.UNSPECIFIED, SAMPLES.submitted);
    const b = transition(JobStatus.UNSPECIFIED, SAMPLES.submitted);
    expect(a.ok && b.ok && a.effects !== b.effects).toBe(true);
  });
});

describe("conflicts", () => {
  it("names the status and the event", () => {
    expect(transition(JobStatus.WAITING, SAMPLES.completed)).toEqual({
      ok: false,
      code: ErrorCode.CONFLICT,
      reason: "cannot complete a job that is waiting",
    });
    expect(transition(JobStatus.COMPLETE, SAMPLES.cancelRequested)).toMatchObject({
      reason: "cannot cancel a job that is complete",
    });
    expect(transition(JobStatus.RUNNING, SAMPLES.retryRequested)).toMatchObject({
      reason: "cannot retry a job that is running",
    });
    expect(transition(JobStatus.UNSPECIFIED, SAMPLES.claimed)).toMatchObject({
      reason: "cannot claim a job that is not yet saved",
    });
  });

  it("refuses a status or event kind it does not know instead of throwing", () => {
    expect(transition(99 as JobStatus, SAMPLES.submitted)).toMatchObject({
      ok: false,
      code: ErrorCode.CONFLICT,
    });
    const bogus = { kind: "toString" } as unknown as LifecycleEvent;
    expect(transition(JobStatus.WAITING, bogus)).toMatchObject({
      ok: false,
      code: ErrorCode.CONFLICT,
    });
  });
});
