/**
 * Structured JSON logs (pino), one object per line on stdout. Credentials
 * are redacted wherever they appear in a logged object, and the request
 * logger never logs headers at all, so an API key never reaches a log file.
 */
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    name: "gateway",
    level,
    redact: {
      paths: ["authorization", "*.authorization", "headers.authorization", "apiKey", "*.apiKey", "secret", "*.secret", "token", "*.token"],
      censor: "[redacted]",
    },
  });
}
