/**
 * The gateway's only way to the control plane: Connect clients over one
 * multiplexed HTTP/2 session (gRPC protocol; bidi-free, but WatchJob(s)
 * streams share the session with unary calls). The gateway holds no
 * credential of its own: every call carries the caller's Authorization
 * header, and the control plane authenticates, rate-limits and authorises
 * it, so REST and Connect clients meet exactly the same rules.
 */
import { createClient, type CallOptions, type Client } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AdminService } from "../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { BillingService } from "../../../proto/gen/jobplane/v1/billing_service_pb.js";
import { JobService } from "../../../proto/gen/jobplane/v1/job_service_pb.js";

export interface ControlPlane {
  readonly jobs: Client<typeof JobService>;
  readonly billing: Client<typeof BillingService>;
  readonly admin: Client<typeof AdminService>;
  /** Resolves when the control plane's /healthz answers 200; rejects with the reason otherwise. */
  checkHealth(): Promise<void>;
  /** Closes the HTTP/2 session (ends any stream still open). */
  close(): void;
}

/** Unary calls give up after this; streams have no deadline. */
export const UNARY_TIMEOUT_MS = 30_000;
const HEALTH_TIMEOUT_MS = 2_000;

export function createControlPlane(baseUrl: string): ControlPlane {
  const sessionManager = new Http2SessionManager(baseUrl, { pingIntervalMs: 15_000, pingTimeoutMs: 10_000 });
  const transport = createGrpcTransport({ baseUrl, sessionManager });
  return {
    jobs: createClient(JobService, transport),
    billing: createClient(BillingService, transport),
    admin: createClient(AdminService, transport),
    async checkHealth() {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
      await res.body?.cancel();
      if (res.status !== 200) throw new Error(`control plane /healthz answered ${res.status}`);
    },
    close() {
      sessionManager.abort();
    },
  };
}

/** What every call forwards: the caller's Authorization, our request id, and an abort signal. */
export interface Forwarded {
  readonly authorization: string | undefined;
  readonly requestId: string;
  readonly signal?: AbortSignal;
}

export function callOptions(f: Forwarded, stream = false): CallOptions {
  const headers: Record<string, string> = { "x-request-id": f.requestId };
  if (f.authorization !== undefined) headers.authorization = f.authorization;
  return { headers, ...(f.signal ? { signal: f.signal } : {}), ...(stream ? {} : { timeoutMs: UNARY_TIMEOUT_MS }) };
}
