/**
 * A control-plane "instance" for AgentService integration tests: only
 * AgentService, over h2c (Session is bidi), on port 0, with its own NATS
 * connection, control bus and notifyAgent handler — so two of them on one
 * database and one NATS prefix behave like two control-plane processes.
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { AgentService } from "../../proto/gen/jobplane/v1/agent_service_pb.js";
import { natsNames } from "../../proto/nats/names.js";
import type { AgentSessionSettings } from "../../control-plane/src/agent-config.js";
import { combineAfterCommit, type AfterCommit } from "../../control-plane/src/app/after-commit.js";
import { systemClock, type Clock } from "../../control-plane/src/app/clock.js";
import type { Orm } from "../../control-plane/src/adapters/postgres/orm.js";
import { createNatsAgentControlBus, createNotifyAgentHandler } from "../../control-plane/src/adapters/nats/agent-control-bus.js";
import { createAgentService } from "../../control-plane/src/adapters/rpc/agent-service.js";
import { errorMappingInterceptor } from "../../control-plane/src/adapters/rpc/error-mapping.js";
import { TEST_NATS_URL } from "./test-nats.js";

export const TEST_AGENT_SETTINGS: AgentSessionSettings = {
  heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 5_000,
  progressThrottleMs: 1_000,
};

export interface AgentServiceServer {
  readonly url: string;
  /** Carries out notifyAgent effects from this instance (publishes on the control subject). */
  readonly notifyAgent: AfterCommit;
  /** An AgentService client over h2c (gRPC) sending `Authorization: Bearer <token>` when given. */
  client(token?: string): Client<typeof AgentService>;
  close(): Promise<void>;
}

export interface StartAgentServiceServerOptions {
  readonly orm: Orm;
  /** The natsNames() prefix (TestNats.prefix). */
  readonly natsPrefix: string;
  readonly clock?: Clock;
  readonly settings?: Partial<AgentSessionSettings>;
}

export async function startAgentServiceServer(options: StartAgentServiceServerOptions): Promise<AgentServiceServer> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const names = natsNames(options.natsPrefix);
  const nc: NatsConnection = await connect({ servers: TEST_NATS_URL, name: "agent-service-test-server" });
  const notifyAgent = createNotifyAgentHandler(nc, names, logger);
  const shutdown = new AbortController();
  const service = createAgentService({
    orm: options.orm,
    logger,
    clock: options.clock ?? systemClock,
    shutdown: shutdown.signal,
    afterCommit: combineAfterCommit(notifyAgent),
    agentControl: createNatsAgentControlBus(nc, names, logger),
    agentSettings: { ...TEST_AGENT_SETTINGS, ...options.settings },
  });
  const handler = connectNodeAdapter({
    routes: (router) => router.service(AgentService, service),
    interceptors: [errorMappingInterceptor(logger)],
  });
  const server = http2.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sessionManagers: Http2SessionManager[] = [];

  return {
    url,
    notifyAgent,
    client(token) {
      const auth: Interceptor = (next) => (req) => {
        if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
        return next(req);
      };
      const sessionManager = new Http2SessionManager(url);
      sessionManagers.push(sessionManager);
      return createClient(AgentService, createGrpcTransport({ baseUrl: url, sessionManager, interceptors: [auth] }));
    },
    async close() {
      shutdown.abort();
      for (const m of sessionManagers) m.abort();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await nc.close();
    },
  };
}
