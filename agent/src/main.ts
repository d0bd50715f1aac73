/**
 * `jobplane agent`: the composition root. The only place that reads the
 * environment, builds the NATS connection, the session and the worker, and
 * handles signals.
 *
 * Once the worker runs, the ops port (AGENT_OPS_PORT / AGENT_OPS_HOST) serves
 * /healthz and /metrics (agent/src/ops/).
 *
 * SIGTERM / SIGINT: the worker drains (stop fetching, running jobs get
 * JOBPLANE_AGENT_GRACE_MS, the rest are aborted and reported FAILED, results
 * flushed, session closed), then NATS is drained, the ops port closes last
 * (so /healthz answers 503 "draining" while jobs finish) and the process
 * exits 0. A second signal while draining is ignored; the grace period bounds it.
 */
import os from "node:os";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { natsNames } from "../../proto/nats/names.js";
import { AgentConfigError, readAgentConfig, type AgentConfig, type AgentOpsConfig } from "./config.js";
import { builtinJobTypes } from "./handlers/builtin.js";
import type { AnyJobTypeDefinition } from "./job-type-definition.js";
import { createAgentLogger, type AgentLogger } from "./logger.js";
import { decideHealth, type AgentHealth } from "./ops/health.js";
import { createAgentMetrics, type AgentMetrics } from "./ops/metrics.js";
import { watchNatsConnection } from "./ops/nats-connection-state.js";
import { startOpsServer, type OpsServer } from "./ops/ops-server.js";
import { SessionClient } from "./session-client.js";
import { AGENT_VERSION } from "./version.js";
import { Worker } from "./worker.js";

export interface RunningAgent {
  readonly agentId: string;
  readonly worker: Worker;
  /**
   * Where /healthz and /metrics answer; undefined when AGENT_OPS_PORT=off or
   * the default port was taken by another process.
   */
  readonly opsUrl: string | undefined;
  /** Drains the worker, then the NATS connection, then closes the ops port. */
  stop(): Promise<void>;
}

export interface StartAgentOptions {
  readonly config: AgentConfig;
  readonly logger: Logger;
  /** Every job type this binary knows; config.types picks from them. */
  readonly jobTypes: readonly AnyJobTypeDefinition[];
  /** Aborting it before the agent is running abandons the start-up. */
  readonly signal?: AbortSignal;
}

/** Connects to NATS and the control plane and starts the worker; resolves once it is running. */
export async function startAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const { config, logger } = options;
  const jobTypes = config.types.map((name) => {
    const definition = options.jobTypes.find((t) => t.name === name);
    if (!definition) throw new Error(`unknown job type "${name}"`);
    return definition;
  });
  const nc: NatsConnection = await connect({
    servers: config.natsUrl,
    name: `jobplane-agent@${os.hostname()}`,
    maxReconnectAttempts: -1,
  });
  const natsState = watchNatsConnection(nc, logger);
  const session = new SessionClient({
    baseUrl: config.controlPlaneUrl,
    token: config.token,
    registration: { jobTypes: config.types, slots: config.slots, version: AGENT_VERSION, labels: config.labels },
    logger,
  });
  // Only with an ops port: the default process metrics cost an event-loop monitor.
  const metrics: AgentMetrics | undefined = config.ops
    ? createAgentMetrics({ slots: config.slots, types: config.types, running: () => worker.heldAttempts.length })
    : undefined;
  const worker: Worker = new Worker({
    nc,
    names: natsNames(config.natsPrefix),
    session,
    jobTypes,
    slots: config.slots,
    graceMs: config.graceMs,
    logger,
    metrics: metrics?.recorder,
  });
  const health = (): AgentHealth =>
    decideHealth({
      worker: worker.state,
      agentId: session.settings?.agentId,
      sessionConnected: session.connected,
      natsConnected: natsState.connected,
      slots: config.slots,
      running: worker.heldAttempts.length,
    });
  const abandon = (): void => void worker.stop();
  options.signal?.addEventListener("abort", abandon, { once: true });
  let agentId: string;
  let ops: OpsServer | undefined;
  try {
    agentId = (await worker.start()).agentId;
    if (config.ops && metrics) ops = await openOps(config.ops, metrics, health, logger);
    options.signal?.throwIfAborted();
  } catch (err) {
    await ops?.close();
    await worker.stop().catch(() => undefined);
    await nc.close();
    throw err;
  } finally {
    options.signal?.removeEventListener("abort", abandon);
  }
  let stopping: Promise<void> | undefined;
  return {
    agentId,
    worker,
    opsUrl: ops?.url,
    stop: () =>
      (stopping ??= (async () => {
        try {
          // worker.stop() turns the state to draining at once: /healthz says so until the port closes.
          await worker.stop();
          await nc.drain();
        } finally {
          await ops?.close();
        }
      })()),
  };
}

/**
 * Starts the ops server. A port the operator chose (AGENT_OPS_PORT set) must
 * be bound, or the agent does not start; the default port may be taken by
 * another agent on the same host, which only turns the endpoints off.
 */
async function openOps(
  ops: AgentOpsConfig,
  metrics: AgentMetrics,
  health: () => AgentHealth,
  logger: AgentLogger,
): Promise<OpsServer | undefined> {
  try {
    return await startOpsServer({ host: ops.host, port: ops.port, health, registry: metrics.registry, logger });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!ops.explicit && code === "EADDRINUSE") {
      logger.warn(
        { host: ops.host, port: ops.port },
        "the default ops port is taken (another agent on this host?): /healthz and /metrics are off; set AGENT_OPS_PORT (0 = any free port)",
      );
      return undefined;
    }
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`AGENT_OPS_PORT/AGENT_OPS_HOST: cannot listen on ${ops.host}:${ops.port}: ${reason}`, { cause: err });
  }
}

/** The `jobplane agent` command. */
export async function runAgent(argv: string[]): Promise<void> {
  let config: AgentConfig;
  try {
    config = readAgentConfig(argv, process.env, builtinJobTypes.map((t) => t.name));
  } catch (err) {
    if (!(err instanceof AgentConfigError)) throw err;
    process.stderr.write(`jobplane agent: ${err.message}\n`);
    process.exit(2);
  }
  const logger = createAgentLogger(config.logLevel);
  const startup = new AbortController();
  let agent: RunningAgent | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.graceMs }, "stopping: draining running jobs");
    if (!agent) {
      startup.abort();
      return;
    }
    void agent.stop().then(
      () => {
        logger.info({}, "agent stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "agent stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  try {
    agent = await startAgent({ config, logger, jobTypes: builtinJobTypes, signal: startup.signal });
  } catch (err) {
    if (startup.signal.aborted) {
      logger.info({}, "stopped before the agent was ready");
      process.exit(0);
    }
    throw err;
  }
  logger.info(
    {
      agentId: agent.agentId,
      types: config.types,
      slots: config.slots,
      version: AGENT_VERSION,
      controlPlaneUrl: config.controlPlaneUrl,
      natsUrl: config.natsUrl,
      natsPrefix: config.natsPrefix,
      opsUrl: agent.opsUrl,
    },
    "agent ready",
  );
}
