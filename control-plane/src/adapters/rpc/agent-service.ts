/**
 * AgentService handlers: Register (unary) and Session (bidi, agent-session.ts).
 * Everything an agent does after pulling a dispatch message goes through
 * here; see the design comment in proto/jobplane/v1/agent_service.proto.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { AgentService } from "../../../../proto/gen/jobplane/v1/agent_service_pb.js";
import type { AgentSessionSettings } from "../../agent-config.js";
import type { AfterCommit } from "../../app/after-commit.js";
import type { AgentControlBus } from "../../app/agent-control.js";
import { createAgentRegistry, type AgentRegistry } from "../../app/agent-registry.js";
import type { AgentRegistration } from "../../app/agent-store.js";
import { authenticateAgent } from "../../app/authenticate-agent.js";
import { validationError, type Violation } from "../../domain/domain-error.js";
import { createPgAgentStore } from "../postgres/pg-agent-store.js";
import { createPgJobStore } from "../postgres/pg-job-store.js";
import { createPgJobTypeTerms } from "../postgres/pg-job-type-terms.js";
import { createSessionHandler } from "./agent-session.js";
import type { RpcDeps } from "./rpc-deps.js";

/** The RpcDeps it uses (the composition root passes its RpcDeps as is) plus the agent protocol's own. */
export interface AgentServiceDeps extends Pick<RpcDeps, "orm" | "logger" | "clock" | "shutdown"> {
  /** Carries out effects after commit; must include createNotifyAgentHandler for cancel pushes. */
  readonly afterCommit: AfterCommit;
  /** Cancel pushes between instances (createNatsAgentControlBus). */
  readonly agentControl: AgentControlBus;
  readonly agentSettings: AgentSessionSettings;
  /** This instance's open sessions; default: a new one. */
  readonly agentRegistry?: AgentRegistry;
}

const MAX_JOB_TYPES = 256;
const MAX_LABELS = 64;

/** The registration as stored; VALIDATION_ERROR for a nonsensical one. */
function registration(
  req: { jobTypes: string[]; slots: number; version: string; labels: Record<string, string> },
  current: readonly string[],
): AgentRegistration {
  const violations: Violation[] = [];
  const jobTypes = [...new Set(req.jobTypes.map((t) => t.trim()))];
  jobTypes.forEach((t, i) => {
    if (t === "") violations.push({ path: `/jobTypes/${i}`, description: "must not be empty" });
  });
  if (jobTypes.length > MAX_JOB_TYPES) violations.push({ path: "/jobTypes", description: `at most ${MAX_JOB_TYPES}` });
  if (Object.keys(req.labels).length > MAX_LABELS) violations.push({ path: "/labels", description: `at most ${MAX_LABELS}` });
  if (violations.length > 0) throw validationError(violations);
  return {
    // No types announced: keep the ones the token (or a previous Register) set.
    jobTypes: jobTypes.length > 0 ? jobTypes : current,
    slots: Math.max(1, req.slots),
    version: req.version.slice(0, 200),
    labels: req.labels,
  };
}

export function createAgentService(deps: AgentServiceDeps): ServiceImpl<typeof AgentService> {
  const agents = createPgAgentStore(deps.orm);
  const jobs = createPgJobStore(deps.orm);
  const jobTypes = createPgJobTypeTerms(deps.orm);
  const registry =
    deps.agentRegistry ??
    createAgentRegistry(deps.agentControl, (err) => deps.logger.warn({ err }, "agent control unsubscribe failed"));
  const settings = deps.agentSettings;

  return {
    async register(req, ctx) {
      const agent = await authenticateAgent(agents, ctx.requestHeader.get("authorization"));
      const registered = await agents.register(agent.id, registration(req, agent.jobTypes), deps.clock());
      deps.logger.info({ agentId: registered.id, jobTypes: registered.jobTypes, version: req.version }, "agent registered");
      return {
        agentId: registered.id,
        heartbeatIntervalMs: settings.heartbeatIntervalMs,
        heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
        progressThrottleMs: settings.progressThrottleMs,
      };
    },
    session: createSessionHandler({
      agents,
      jobs,
      jobTypes,
      registry,
      afterCommit: deps.afterCommit,
      clock: deps.clock,
      logger: deps.logger,
      settings,
      shutdown: deps.shutdown,
    }),
  };
}
