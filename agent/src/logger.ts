/**
 * What the agent's parts need of a logger (pino's Logger fits); main.ts
 * builds the pino instance: JSON lines on stdout, the token redacted.
 */
import { pino } from "pino";

export interface AgentLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function createAgentLogger(level: string): pino.Logger {
  return pino({
    name: "agent",
    level,
    redact: { paths: ["token", "*.token", "authorization", "*.authorization"], censor: "[redacted]" },
  });
}

/** A logger that drops everything (tests). */
export const silentLogger: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };
