import { describe, expect, it } from "vitest";
import { JobStatus } from "../../../proto/gen/jobplane/v1/job_pb.js";
import type { AttemptState } from "./agent-store.js";
import { attemptsToStop } from "./agent-heartbeat.js";

const state = (over: Partial<AttemptState> & { jobId: string }): AttemptState => ({
  attempt: 1,
  status: JobStatus.RUNNING,
  agentId: "agt_me",
  cancelRequested: false,
  ...over,
});

describe("attemptsToStop", () => {
  it("lets a running attempt of this agent go on", () => {
    expect(attemptsToStop("agt_me", [{ jobId: "job_a", attempt: 1 }], [state({ jobId: "job_a" })])).toEqual([]);
  });

  it("stops cancelled, settled, superseded, foreign and missing attempts, each with its reason", () => {
    const running = ["a", "b", "c", "d", "e"].map((x) => ({ jobId: `job_${x}`, attempt: 1 }));
    const states = [
      state({ jobId: "job_a", cancelRequested: true }),
      state({ jobId: "job_b", status: JobStatus.COMPLETE }),
      state({ jobId: "job_c", attempt: 2, status: JobStatus.WAITING }),
      state({ jobId: "job_d", agentId: "agt_other" }),
    ];
    expect(attemptsToStop("agt_me", running, states)).toEqual([
      { jobId: "job_a", attempt: 1, reason: "cancel requested" },
      { jobId: "job_b", attempt: 1, reason: "job is complete" },
      { jobId: "job_c", attempt: 1, reason: "job is on attempt 2" },
      { jobId: "job_d", attempt: 1, reason: "attempt runs on another agent" },
      { jobId: "job_e", attempt: 1, reason: "job not found" },
    ]);
  });
});
