import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../proto/gen/jobplane/v1/errors_pb.js";
import type { SubmitJobInput } from "../adapters/postgres/job-store.js";
import { DomainError } from "../domain/domain-error.js";
import { fakeJob, fakePrincipal, recordingAfterCommit, SLEEP_TYPE } from "./app-test-fakes.js";
import { createParamsValidatorCache } from "./params-validator-cache.js";
import { submitJob, type SubmitJobCommand } from "./submit-job.js";

function setup(created = true) {
  const saved: SubmitJobInput[] = [];
  const afterCommit = recordingAfterCommit();
  const deps = {
    catalog: { find: async (name: string) => (name === SLEEP_TYPE.name ? SLEEP_TYPE : undefined) },
    validators: createParamsValidatorCache(),
    afterCommit,
    jobs: {
      async submitJob(input: SubmitJobInput) {
        saved.push(input);
        return { job: fakeJob({ estimatedCredits: input.estimatedCredits }), created, effects: created ? [{ kind: "publishDispatch" as const }] : [] };
      },
    },
  };
  return { deps, saved, afterCommit };
}

const command: SubmitJobCommand = { type: "test.sleep", params: { seconds: 1 }, inputs: [], idempotencyKey: "", priority: 0 };

async function codeOf(promise: Promise<unknown>): Promise<[ErrorCode, Readonly<Record<string, string>>, string[]]> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return [err.code, err.metadata, err.violations.map((v) => v.path)];
}

describe("submitJob", () => {
  it("checks type, then plan, then fields and params, before saving anything", async () => {
    const { deps, saved } = setup();
    const p = fakePrincipal();
    expect((await codeOf(submitJob(deps, p, { ...command, type: "nope", priority: 999 })))[0]).toBe(ErrorCode.INVALID_JOB_TYPE);
    const big = { name: "a", url: "ftp://x", sizeBytes: 101, contentType: "" };
    expect(await codeOf(submitJob(deps, p, { ...command, inputs: [big], params: {} }))).toEqual([
      ErrorCode.PLAN_LIMIT,
      { limit: "max_input_bytes", max: "100" },
      [],
    ]);
    expect(await codeOf(submitJob(deps, p, { ...command, priority: 999, params: { seconds: 4000 } }))).toEqual([
      ErrorCode.VALIDATION_ERROR,
      {},
      ["/priority", "/params/seconds"],
    ]);
    expect((await codeOf(submitJob(deps, p, { ...command, params: [] as unknown as Record<string, unknown> })))[2]).toEqual([
      "/params",
    ]);
    expect(await codeOf(submitJob(deps, p, { ...command, type: "" }))).toEqual([ErrorCode.VALIDATION_ERROR, {}, ["/type"]]);
    expect(saved).toEqual([]);
  });

  it("holds the full-length price, or nothing in test mode, and dispatches after the commit", async () => {
    const { deps, saved, afterCommit } = setup();
    const out = await submitJob(deps, fakePrincipal(), { ...command, idempotencyKey: "k" });
    expect(out.deduplicated).toBe(false);
    expect(saved[0]).toMatchObject({ orgId: "org_a", type: "test.sleep", estimatedCredits: 301, testMode: false, idempotencyKey: "k", apiKeyId: "key_a" });
    expect(afterCommit.runs.map((r) => r.effects)).toEqual([[{ kind: "publishDispatch" }]]);

    await submitJob(deps, fakePrincipal({ testMode: true }), command);
    expect(saved[1]).toMatchObject({ estimatedCredits: 0, testMode: true, idempotencyKey: null });
  });

  it("returns a deduplicated job without running after-commit effects again", async () => {
    const { deps, afterCommit } = setup(false);
    const out = await submitJob(deps, fakePrincipal(), { ...command, idempotencyKey: "k" });
    expect(out.deduplicated).toBe(true);
    expect(afterCommit.runs).toEqual([]);
  });
});
