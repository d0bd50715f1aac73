/**
 * Issue 4, "Must show": 500 jobs through the whole lifecycle with real
 * processes — two control planes, two agents — each completing exactly once.
 * Submitted over Connect (gRPC on h2c), spread over both control planes and
 * two API keys (each key's rate limit bursts 300), in concurrent batches.
 */
import { describe, expect, it } from "vitest";
import { JobService } from "../../proto/gen/jobplane/v1/job_service_pb.js";
import { useLifecycleStack, until } from "../support/lifecycle-stack.js";

const TYPES = ["test.echo", "test.sleep", "test.fail"];
const JOBS = 500;
const BATCH = 50;

const currentStack = useLifecycleStack();

describe("lifecycle end to end: throughput", () => {
  it(`${JOBS} test.echo jobs submitted to both control planes complete exactly once, output = params, credits captured = price × ${JOBS}`, async () => {
    const s = currentStack();
    await Promise.all([s.startAgent({ types: TYPES, cp: 0 }), s.startAgent({ types: TYPES, cp: 1 }), s.addApiKey()]);
    const clients = [0, 1].flatMap((cp) => s.apiKeys.map((key) => s.client(JobService, cp, key)));
    const [{ balance: before }] = (await s.query<{ balance: string }>("select balance::text from credit_accounts where org_id = $1", [s.orgId])) as [{ balance: string }];

    const started = Date.now();
    const params = new Map<string, { i: number; tag: string }>();
    for (let first = 0; first < JOBS; first += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, JOBS - first) }, (_, k) => first + k);
      const submitted = await Promise.all(
        batch.map(async (i) => {
          const p = { i, tag: `job-${i}` };
          const { job } = await clients[i % clients.length]!.submitJob({ type: "test.echo", params: p });
          return [job!.id, p] as const;
        }),
      );
      for (const [id, p] of submitted) params.set(id, p);
    }
    const submittedMs = Date.now() - started;
    expect(params.size).toBe(JOBS);

    const counts = await until("every job complete", Date.now() + 120_000, async () => {
      const rows = await s.query<{ status: string; n: number }>("select status, count(*)::int as n from jobs group by status");
      const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
      if ((by.failed ?? 0) + (by.cancelled ?? 0) > 0) throw new Error(`jobs ended badly: ${JSON.stringify(by)}`);
      return by.complete === JOBS ? by : undefined;
    });
    const completedMs = Date.now() - started;
    expect(counts).toEqual({ complete: JOBS });
    console.log(`${JOBS} jobs: submitted in ${submittedMs} ms, all complete after ${completedMs} ms (${Math.round((JOBS * 1000) / completedMs)} jobs/s)`);

    // Exactly once: one job.started and one job.completed per job, on attempt 1.
    const events = await s.query<{ job_id: string; started: number; completed: number }>(
      `select job_id, count(*) filter (where type = 'job.started')::int as started,
              count(*) filter (where type = 'job.completed')::int as completed
         from job_events group by job_id`,
    );
    expect(events).toHaveLength(JOBS);
    expect(events.filter((e) => e.started !== 1 || e.completed !== 1)).toEqual([]);

    const jobs = await s.query<{ id: string; attempt: number; output: { data?: unknown }; params: unknown; agent_id: string }>(
      "select id, attempt, output, params, agent_id from jobs",
    );
    for (const job of jobs) {
      expect(job.attempt).toBe(1);
      expect(job.params).toEqual(params.get(job.id));
      expect(job.output.data, `output of ${job.id}`).toEqual(params.get(job.id));
    }
    // Both agents did work.
    expect(new Set(jobs.map((j) => j.agent_id)).size).toBe(2);

    const [type] = await s.query<{ base: number; per_second: number }>(
      "select base_credits::int as base, credits_per_second::int as per_second from job_types where name = 'test.echo'",
    );
    expect(type!.per_second).toBe(0);
    const [ledger] = await s.query<{ captured: number; released: number; jobs: number }>(
      `select coalesce(sum(amount) filter (where kind = 'capture'), 0)::int as captured,
              coalesce(sum(amount) filter (where kind = 'release'), 0)::int as released,
              count(distinct job_id) filter (where kind = 'capture')::int as jobs
         from credit_ledger where org_id = $1`,
      [s.orgId],
    );
    expect(ledger).toEqual({ captured: type!.base * JOBS, released: 0, jobs: JOBS });
    const [account] = await s.query<{ balance: string; held: string }>("select balance::text, held::text from credit_accounts where org_id = $1", [s.orgId]);
    expect(account).toEqual({ balance: String(Number(before) - type!.base * JOBS), held: "0" });
  }, 240_000);
});
