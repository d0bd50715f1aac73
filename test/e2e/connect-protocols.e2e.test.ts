/**
 * Issue 3's "must show", the way a user does it: a real control-plane
 * process, an org made with `jobplane admin create-org`, then
 *  - `buf curl --list-methods` over h2c lists the services by reflection,
 *  - `buf curl --protocol grpc` submits a test.echo job → WAITING,
 *  - plain curl with the Connect protocol over HTTP/1.1 does the same,
 *  - and gRPC-Web answers on the same port.
 */
import { execFile } from "node:child_process";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { JobStatus } from "../../proto/gen/jobplane/v1/job_pb.js";
import { JobService } from "../../proto/gen/jobplane/v1/job_service_pb.js";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { createTestNats, type TestNats } from "../support/test-nats.js";
import { REPO_ROOT, runJobplane, startJobplane, stopAll } from "../support/processes.js";

const exec = promisify(execFile);
let db: TestDatabase;
let nats: TestNats;
let url: string;
let apiKey: string;

beforeEach(async () => {
  db = await createTestDatabase();
  const created = await runJobplane(["admin", "create-org", "--name", "acme", "--plan", "pro", "--credits", "1000"], {
    DATABASE_URL: db.url,
  });
  expect(created.code, created.stderr).toBe(0);
  apiKey = JSON.parse(created.stdout).apiKey;
  nats = await createTestNats();
  const cp = startJobplane(["control-plane"], {
    DATABASE_URL: db.url,
    NATS_URL: nats.url,
    JOBPLANE_NATS_PREFIX: nats.prefix,
    // No agents here: keep submitted jobs WAITING, as the assertions expect.
    JOBPLANE_DISPATCHER: "off",
    CONTROL_PLANE_PORT: "0",
    CONTROL_PLANE_HOST: "127.0.0.1",
  });
  url = String((await cp.waitForLog((l) => l.msg === "control plane listening")).url);
});

afterEach(async () => {
  await stopAll();
  await nats.cleanup();
  await db.drop();
});

/** Runs buf from the pinned package, as `npx buf` would. */
async function bufCurl(args: string[]): Promise<string> {
  const { stdout } = await exec(process.execPath, [`${REPO_ROOT}/node_modules/@bufbuild/buf/bin/buf`, "curl", ...args], {
    cwd: REPO_ROOT,
  });
  return stdout;
}

describe("one port, every protocol", () => {
  it("answers gRPC-Web over HTTP/1.1 on the same port", async () => {
    const auth: Interceptor = (next) => (req) => {
      req.header.set("authorization", `Bearer ${apiKey}`);
      return next(req);
    };
    const jobs = createClient(JobService, createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [auth] }));
    const { job } = await jobs.submitJob({ type: "test.echo", params: { via: "grpc-web" } });
    expect(job?.status).toBe(JobStatus.WAITING);
    const types = await jobs.listJobTypes({});
    expect(types.jobTypes.map((t) => t.name)).toContain("test.echo");
  });

  it("lists the services by reflection over h2c", async () => {
    const out = await bufCurl(["--http2-prior-knowledge", "--list-methods", url]);
    for (const method of [
      "jobplane.v1.JobService/SubmitJob",
      "jobplane.v1.BillingService/GetBalance",
      "jobplane.v1.AdminService/CreateOrg",
      "jobplane.v1.AgentService/Session",
    ]) {
      expect(out).toContain(method);
    }
  });

  it("submits a job with buf curl over gRPC (h2c)", async () => {
    const out = await bufCurl([
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "-H",
      `Authorization: Bearer ${apiKey}`,
      "-d",
      '{"type":"test.echo","params":{"hello":"world"}}',
      `${url}/jobplane.v1.JobService/SubmitJob`,
    ]);
    const { job } = JSON.parse(out);
    expect(job.status).toBe("JOB_STATUS_WAITING");
    expect(job.id).toMatch(/^job_[0-9a-f]{16,}$/);
    expect(job.params).toEqual({ hello: "world" });
  });

  it("submits a job with plain curl over the Connect protocol on HTTP/1.1, and gets coded errors", async () => {
    const { stdout } = await exec("curl", [
      "-sS",
      "--http1.1",
      "-H",
      "Content-Type: application/json",
      "-H",
      `Authorization: Bearer ${apiKey}`,
      "-d",
      '{"type":"test.echo","params":{"hello":"world"}}',
      `${url}/jobplane.v1.JobService/SubmitJob`,
    ]);
    expect(JSON.parse(stdout).job.status).toBe("JOB_STATUS_WAITING");

    const { stdout: denied } = await exec("curl", [
      "-sS",
      "--http1.1",
      "-H",
      "Content-Type: application/json",
      "-d",
      '{"type":"test.echo"}',
      `${url}/jobplane.v1.JobService/SubmitJob`,
    ]);
    const error = JSON.parse(denied);
    expect(error.code).toBe("unauthenticated");
    expect(error.details[0].debug.code).toBe("ERROR_CODE_UNAUTHORIZED");
  });
});
