/**
 * Agents authenticate with `Authorization: Bearer jpa_…` (from
 * AdminService.CreateAgentToken). Only the token's SHA-256 is stored, as for
 * API keys (api-key-format.ts): the token has 256 random bits, so a slow hash
 * would buy nothing.
 */
import { bearerCredential, hashSecret } from "../domain/api-key-format.js";
import { unauthorized } from "../domain/domain-error.js";
import type { AgentRecord, AgentStore } from "./agent-store.js";

export async function authenticateAgent(agents: AgentStore, authorization: string | null): Promise<AgentRecord> {
  const token = bearerCredential(authorization);
  if (token === undefined) throw unauthorized("missing agent token: send Authorization: Bearer jpa_…");
  if (!token.startsWith("jpa_")) throw unauthorized("not an agent token (agent tokens start with jpa_)");
  const agent = await agents.findByTokenHash(hashSecret(token));
  if (agent === undefined) throw unauthorized("unknown or revoked agent token");
  return agent;
}
