/**
 * The stack's child processes: `jobplane <command>` on the pinned Node, with
 * their logs prefixed into ours. Any child that dies stops the whole stack.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = path.join(ROOT, "bin/jobplane.js");

export function log(msg: string): void {
  process.stdout.write(`[jobplane] ${msg}\n`);
}

/** Runs `jobplane <args>` and resolves with its stdout when it exits 0. */
export function runJobplane(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.once("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`jobplane ${args.join(" ")} exited ${code}: ${err.trim()}`)),
    );
  });
}

export interface Stack {
  /** Starts a long-running `jobplane <args>`; resolves with the first JSON log line `ready` accepts. */
  start(name: string, args: string[], env: NodeJS.ProcessEnv, ready: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Registers cleanup to run after every child stopped (e.g. stop an embedded server). */
  onStop(cleanup: () => Promise<void>): void;
  stop(code: number): Promise<never>;
}

export function createStack(): Stack {
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let stopping = false;
  const stack: Stack = {
    start(name, args, env, ready) {
      const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      return new Promise((resolve, reject) => {
        let settled = false;
        let partial = "";
        const onChunk = (out: NodeJS.WriteStream) => (chunk: Buffer) => {
          const text = partial + chunk.toString();
          const lines = text.split("\n");
          partial = lines.pop() ?? "";
          for (const line of lines.filter(Boolean)) {
            out.write(`[${name}] ${line}\n`);
            if (settled) continue;
            try {
              const parsed = JSON.parse(line) as Record<string, unknown>;
              if (ready(parsed)) {
                settled = true;
                resolve(parsed);
              }
            } catch {
              // not a JSON log line
            }
          }
        };
        child.stdout!.on("data", onChunk(process.stdout));
        child.stderr!.on("data", onChunk(process.stderr));
        child.once("exit", (code, signal) => {
          if (!settled) reject(new Error(`${name} exited (${signal ?? code}) before it was ready`));
          if (!stopping) {
            log(`${name} exited (${signal ?? code}); stopping the stack`);
            void stack.stop(1);
          }
        });
      });
    },
    onStop(cleanup) {
      cleanups.push(cleanup);
    },
    async stop(code) {
      stopping = true;
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once("exit", () => resolve());
              child.kill("SIGTERM");
            }),
        ),
      );
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
      process.exit(code);
    },
  };
  return stack;
}
