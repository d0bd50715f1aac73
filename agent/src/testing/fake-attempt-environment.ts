/**
 * An AttemptEnvironment for unit tests: a fake clock, recorded progress, and
 * in-memory workspaces and file transfers (no disk, no sockets).
 */
import type { AttemptEnvironment, AttemptRef } from "../attempt-runner.js";
import type { FileTransfer, InputSource, UploadedOutput } from "../file-transfer.js";
import type { LocalInput, OutputFileSpec } from "../job-type-definition.js";
import type { ProgressUpdate } from "../progress-throttle.js";
import { FakeClock } from "./fake-clock.js";

export interface FakeAttemptEnvironment extends AttemptEnvironment {
  readonly clock: FakeClock;
  readonly progress: Array<{ ref: AttemptRef; update: ProgressUpdate }>;
  readonly downloads: InputSource[];
  readonly uploads: Array<{ file: OutputFileSpec; url: string }>;
  readonly workspaces: { created: number; disposed: number };
}

export function fakeAttemptEnvironment(options: { progressThrottleMs?: number; transfer?: Partial<FileTransfer> } = {}): FakeAttemptEnvironment {
  const clock = new FakeClock();
  const progress: FakeAttemptEnvironment["progress"] = [];
  const downloads: InputSource[] = [];
  const uploads: FakeAttemptEnvironment["uploads"] = [];
  const workspaces = { created: 0, disposed: 0 };
  const transfer: FileTransfer = {
    async download(input, dir): Promise<LocalInput> {
      downloads.push(input);
      return { name: input.name, path: `${dir}/${input.name}`, contentType: input.contentType, sizeBytes: 42 };
    },
    async upload(file, url): Promise<UploadedOutput> {
      uploads.push({ file, url });
      return { name: file.name, contentType: file.contentType ?? "application/octet-stream", sizeBytes: 7 };
    },
    ...options.transfer,
  };
  return {
    clock,
    progress,
    downloads,
    uploads,
    workspaces,
    progressThrottleMs: options.progressThrottleMs ?? 1000,
    sendProgress: (ref, update) => progress.push({ ref, update }),
    transfer,
    workspace: async (label) => {
      workspaces.created++;
      return {
        inputDir: `/fake/${label}/inputs`,
        outputDir: `/fake/${label}/output`,
        dispose: async () => {
          workspaces.disposed++;
        },
      };
    },
  };
}
