/**
 * Moving files between the agent and the blob store through presigned URLs:
 * plain HTTP(S) GET for inputs, PUT for outputs. Kept behind an interface so
 * the attempt runner's unit tests need no sockets.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { LocalInput, OutputFileSpec } from "./job-type-definition.js";

/** What the agent knows of an input from its claim. */
export interface InputSource {
  readonly name: string;
  readonly url: string;
  readonly contentType: string;
}

/** An uploaded output, as reported in CompleteJob (the control plane fills in download URLs). */
export interface UploadedOutput {
  readonly name: string;
  readonly contentType: string;
  readonly sizeBytes: number;
}

export interface FileTransfer {
  download(input: InputSource, dir: string, signal: AbortSignal): Promise<LocalInput>;
  upload(file: OutputFileSpec, url: string, signal: AbortSignal): Promise<UploadedOutput>;
}

/** A scratch area for one attempt: inputs/ and output/ under one temp directory. */
export interface AttemptWorkspace {
  readonly inputDir: string;
  readonly outputDir: string;
  dispose(): Promise<void>;
}

export type WorkspaceFactory = (label: string) => Promise<AttemptWorkspace>;

export const tempWorkspace: WorkspaceFactory = async (label) => {
  const root = await mkdtemp(path.join(os.tmpdir(), `jobplane-${label.replace(/[^A-Za-z0-9_-]/g, "_")}-`));
  const inputDir = path.join(root, "inputs");
  const outputDir = path.join(root, "output");
  await Promise.all([mkdir(inputDir), mkdir(outputDir)]);
  return { inputDir, outputDir, dispose: () => rm(root, { recursive: true, force: true }) };
};

export const httpFileTransfer: FileTransfer = {
  async download(input, dir, signal) {
    const url = parseHttpUrl(input.url, `input "${input.name}"`);
    const res = await fetch(url, { signal });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new Error(`downloading input "${input.name}" failed: HTTP ${res.status}`);
    }
    const file = path.join(dir, safeFileName(input.name));
    await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), createWriteStream(file), { signal });
    const { size } = await stat(file);
    return {
      name: input.name,
      path: file,
      contentType: input.contentType || res.headers.get("content-type") || "application/octet-stream",
      sizeBytes: size,
    };
  },
  async upload(file, url, signal) {
    const target = parseHttpUrl(url, `output "${file.name}"`);
    const { size } = await stat(file.path);
    const contentType = file.contentType || "application/octet-stream";
    const res = await fetch(target, {
      method: "PUT",
      body: Readable.toWeb(createReadStream(file.path)) as ReadableStream,
      headers: { "content-type": contentType, "content-length": String(size) },
      duplex: "half",
      signal,
    } as RequestInit);
    await res.body?.cancel();
    if (!res.ok) throw new Error(`uploading output "${file.name}" failed: HTTP ${res.status}`);
    return { name: file.name, contentType, sizeBytes: size };
  },
};

function parseHttpUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${what}: not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`${what}: unsupported URL scheme "${url.protocol}" (only http and https)`);
  }
  return url;
}

/** An input's name as a file name that stays inside its directory. */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
  return cleaned || "input";
}
