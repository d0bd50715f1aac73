/**
 * An in-process control plane on port 0 for integration tests, with Connect
 * clients over h2c (gRPC, Connect) or HTTP/1.1 (Connect). Closing it aborts
 * the clients' HTTP/2 sessions first so close() never hangs (STACK.md).
 */
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { pino } from "pino";
import type { Clock } from "../../control-plane/src/app/clock.js";
import { createOrm, type Orm } from "../../control-plane/src/adapters/postgres/orm.js";
import { readControlPlaneConfig } from "../../control-plane/src/config.js";
import { startControlPlaneServer } from "../../control-plane/src/control-plane-server.js";
import type { WebhookConfig } from "../../control-plane/src/webhook-config.js";
import { createTestNats, type TestNats } from "./test-nats.js";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

export interface TestControlPlane {
  readonly url: string;
  readonly orm: Orm;
  /** This instance's NATS prefix and connection (pass to a second instance to share them). */
  readonly nats: TestNats;
  /**
   * A client for `service`, sending `Authorization: Bearer <bearer>` when
   * given. protocol: "connect" over HTTP/1.1 (default), "grpc" over h2c.
   */
  client<S extends DescService>(service: S, bearer?: string, protocol?: "connect" | "grpc"): Client<S>;
  close(): Promise<void>;
}

export interface StartTestControlPlaneOptions {
  readonly databaseUrl: string;
  readonly clock?: Clock;
  readonly env?: Record<string, string>;
  readonly poolSize?: number;
  /**
   * Run the dispatcher (WAITING jobs get published and become DISPATCHED).
   * Off by default: API tests then see jobs stay WAITING, as before dispatch existed.
   */
  readonly dispatching?: boolean;
  /** Share another instance's NATS prefix (two instances, one cluster); default: a fresh prefix. */
  readonly nats?: TestNats;
  /**
   * Webhook settings over the env's. Tests allow private targets by default
   * (their receivers listen on 127.0.0.1); pass { allowPrivate: false } to
   * test the refusal.
   */
  readonly webhooks?: Partial<WebhookConfig>;
}

export async function startTestControlPlane(options: StartTestControlPlaneOptions): Promise<TestControlPlane> {
  const nats = options.nats ?? (await createTestNats());
  const parsed = readControlPlaneConfig({
    NATS_URL: nats.url,
    JOBPLANE_NATS_PREFIX: nats.prefix,
    JOBPLANE_DISPATCHER: options.dispatching ? "on" : "off",
    DATABASE_URL: options.databaseUrl,
    CONTROL_PLANE_PORT: "0",
    CONTROL_PLANE_HOST: "127.0.0.1",
    JOBPLANE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    JOBPLANE_SHUTDOWN_GRACE_MS: "2000",
    JOBPLANE_WEBHOOK_ALLOW_PRIVATE: "1",
    ...options.env,
  });
  const config = { ...parsed, webhooks: { ...parsed.webhooks, ...options.webhooks } };
  const orm = await createOrm(options.databaseUrl, { poolSize: options.poolSize ?? 10 });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const server = await startControlPlaneServer({ config, orm, logger, ...(options.clock ? { clock: options.clock } : {}) });
  const sessions: Http2SessionManager[] = [];
  let closed = false;
  return {
    url: server.url,
    orm,
    nats,
    client(service, bearer, protocol = "connect") {
      const auth: Interceptor = (next) => (req) => {
        if (bearer) req.header.set("authorization", `Bearer ${bearer}`);
        return next(req);
      };
      if (protocol === "grpc") {
        const sessionManager = new Http2SessionManager(server.url);
        sessions.push(sessionManager);
        return createClient(service, createGrpcTransport({ baseUrl: server.url, sessionManager, interceptors: [auth] }));
      }
      return createClient(service, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors: [auth] }));
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of sessions) s.abort();
      await server.close();
      await orm.close();
      if (!options.nats) await nats.cleanup();
    },
  };
}
