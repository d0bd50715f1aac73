/**
 * A pino logger that keeps its lines in memory, so a test can wait for the
 * moment the code under test logged something ("publishes failed") instead
 * of sleeping. Lines are also echoed when TEST_LOG_LEVEL is set.
 */
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";

export interface CapturedLogger {
  readonly logger: Logger;
  /** Parsed lines so far. */
  readonly lines: readonly Record<string, unknown>[];
  /** Resolves with the first line (past or future) whose msg contains `text`; rejects after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function captureLogger(level = "debug"): CapturedLogger {
  const lines: Record<string, unknown>[] = [];
  const waiters: { text: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  const echo = process.env.TEST_LOG_LEVEL !== undefined;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const raw of chunk.toString("utf8").split("\n")) {
        if (!raw.trim()) continue;
        if (echo) process.stderr.write(`${raw}\n`);
        const line = JSON.parse(raw) as Record<string, unknown>;
        lines.push(line);
        for (const w of [...waiters]) {
          if (String(line.msg ?? "").includes(w.text)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
      done();
    },
  });
  const logger = pino({ level }, sink);
  return {
    logger,
    lines,
    waitFor(text, timeoutMs = 15_000) {
      const seen = lines.find((l) => String(l.msg ?? "").includes(text));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no log line containing "${text}" within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          text,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}
