/**
 * The gateway's only way to the control plane: Connect clients over one
 * multiplexed HTTP/2 session (gRPC protocol; bidi-free, but WatchJob(s)
 * streams share the session with unary calls). The gateway holds no
 * credential of its own: every call carries the caller's Authorization
 * header, and the control plane authenticates, rate-limits and authorises
 * it, so REST and Connect clients meet exactly the same rules. The one
 * exception is WebhookDeliveryService, internal to jobplane: the webhook
 * deliverer calls it with the operator's JOBPLANE_ADMIN_TOKEN, which only
 * that client carries (an interceptor adds it), never a forwarded request.
 */
import { createClient, type CallOptions, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AdminService } from "../../../proto/gen/jobplane/v1/admin_service_pb.js";
import { BillingService } from "../../../proto/gen/jobplane/v1/billing_service_pb.js";
import { JobService } from "../../../proto/gen/jobplane/v1/job_service_pb.js";
import { WebhookDeliveryService } from "../../../proto/gen/jobplane/v1/webhook_delivery_service_pb.js";
import { WebhookService } from "../../../proto/gen/jobplane/v1/webhook_service_pb.js";

export interface ControlPlane {
  readonly jobs: Client<typeof JobService>;
  readonly billing: Client<typeof BillingService>;
  readonly admin: Client<typeof AdminService>;
  /** The org's webhook endpoints, with the caller's API key like every call above. */
  readonly webhooks: Client<typeof WebhookService>;
  /** Enqueue, claim and report deliveries: every call carries the admin token given to createControlPlane. */
  readonly webhookDelivery: Client<typeof WebhookDeliveryService>;
  /** Resolves when the control plane's /healthz answers 200; rejects with the reason otherwise. */
  checkHealth(): Promise<void>;
  /** Closes the HTTP/2 session (ends any stream still open). */
  close(): void;
}

/** Unary calls give up after this; streams have no deadline. */
export const UNARY_TIMEOUT_MS = 30_000;
const HEALTH_TIMEOUT_MS = 2_000;

export interface ControlPlaneOptions {
  /** JOBPLANE_ADMIN_TOKEN, sent by the webhookDelivery client only; without it that client's calls are refused. */
  readonly adminToken?: string | undefined;
}

/** Sets the admin bearer token on every call of a client (whatever the caller passed). */
function adminAuth(token: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

export function createControlPlane(baseUrl: string, options: ControlPlaneOptions = {}): ControlPlane {
  const sessionManager = new Http2SessionManager(baseUrl, { pingIntervalMs: 15_000, pingTimeoutMs: 10_000 });
  const transport = createGrpcTransport({ baseUrl, sessionManager });
  // The same HTTP/2 session, with the admin credential added per call.
  const adminTransport = createGrpcTransport({
    baseUrl,
    sessionManager,
    interceptors: options.adminToken === undefined ? [] : [adminAuth(options.adminToken)],
  });
  return {
    jobs: createClient(JobService, transport),
    billing: createClient(BillingService, transport),
    admin: createClient(AdminService, transport),
    webhooks: createClient(WebhookService, transport),
    webhookDelivery: createClient(WebhookDeliveryService, adminTransport),
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
