/**
 * `jobplane agent`: the composition root. The only place that reads the
 * environment, builds the NATS connection, the session and the worker, and
 * handles signals.
 *
 * SIGTERM / SIGINT: the worker drains (stop fetching, running jobs get
 * JOBPLANE_AGENT_GRACE_MS, the rest are aborted and reported FAILED, results
 * flushed, session closed), then NATS is drained and the process exits 0.
 * A second signal while draining is ignored; the grace period bounds it.
 */
import os from "node:os";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { natsNames } from "../../proto/nats/names.js";
import { AgentConfigError, readAgentConfig, type AgentConfig } from "./config.js";
import { builtinJobTypes } from "./handlers/builtin.js";
import type { AnyJobTypeDefinition } from "./job-type-definition.js";
import { createAgentLogger } from "./logger.js";
import { SessionClient } from "./session-client.js";
import { AGENT_VERSION } from "./version.js";
import { Worker } from "./worker.js";

export interface RunningAgent {
  readonly agentId: string;
  readonly worker: Worker;
  /** Drains the worker, then the NATS connection. */
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
  const session = new SessionClient({
    baseUrl: config.controlPlaneUrl,
    token: config.token,
    registration: { jobTypes: config.types, slots: config.slots, version: AGENT_VERSION, labels: config.labels },
    logger,
  });
  const worker = new Worker({
    nc,
    names: natsNames(config.natsPrefix),
    session,
    jobTypes,
    slots: config.slots,
    graceMs: config.graceMs,
    logger,
  });
  const abandon = (): void => void worker.stop();
  options.signal?.addEventListener("abort", abandon, { once: true });
  let agentId: string;
  try {
    agentId = (await worker.start()).agentId;
  } catch (err) {
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
    stop: () =>
      (stopping ??= (async () => {
        await worker.stop();
        await nc.drain();
      })()),
  };
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
    },
    "agent ready",
  );
}
