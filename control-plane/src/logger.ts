/**
 * Structured JSON logs (pino): one object per line on stdout, cheap enough
 * for hot paths. Credentials are redacted wherever they appear in a logged
 * object so an API key never reaches a log file.
 */
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ["authorization", "*.authorization", "headers.authorization", "apiKey", "*.apiKey", "token", "*.token"],
      censor: "[redacted]",
    },
  });
}
