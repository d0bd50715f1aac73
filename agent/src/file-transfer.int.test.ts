/** The HTTP file transfer against a local HTTP server (a stand-in for presigned blob URLs). */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { httpFileTransfer, safeFileName, tempWorkspace } from "./file-transfer.js";

let server: http.Server;
let base: string;
let dir: string;
const uploads: Array<{ url: string; contentType: string | undefined; body: string }> = [];

beforeEach(async () => {
  uploads.length = 0;
  server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/in/source.mp4") {
      res.writeHead(200, { "content-type": "video/mp4" });
      res.end("fake video bytes");
      return;
    }
    if (req.method === "PUT") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        uploads.push({ url: req.url ?? "", contentType: req.headers["content-type"], body: Buffer.concat(chunks).toString() });
        res.writeHead(200).end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(path.join(os.tmpdir(), "jobplane-transfer-test-"));
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe("httpFileTransfer", () => {
  it("downloads an input into the directory under a safe name", async () => {
    const input = await httpFileTransfer.download({ name: "../source", url: `${base}/in/source.mp4`, contentType: "" }, dir, new AbortController().signal);
    expect(input).toMatchObject({ name: "../source", contentType: "video/mp4", sizeBytes: 16 });
    expect(path.dirname(input.path)).toBe(dir);
    expect(await readFile(input.path, "utf8")).toBe("fake video bytes");
  });

  it("fails on an HTTP error and on a scheme it cannot fetch", async () => {
    const signal = new AbortController().signal;
    await expect(httpFileTransfer.download({ name: "x", url: `${base}/missing`, contentType: "" }, dir, signal)).rejects.toThrow(
      'downloading input "x" failed: HTTP 404',
    );
    await expect(httpFileTransfer.download({ name: "x", url: "s3://bucket/key", contentType: "" }, dir, signal)).rejects.toThrow(
      'unsupported URL scheme "s3:"',
    );
  });

  it("uploads an output with PUT", async () => {
    const file = path.join(dir, "thumb.png");
    await writeFile(file, "png!");
    const out = await httpFileTransfer.upload({ name: "thumb.png", path: file, contentType: "image/png" }, `${base}/out/job_1/thumb.png`, new AbortController().signal);
    expect(out).toEqual({ name: "thumb.png", contentType: "image/png", sizeBytes: 4 });
    expect(uploads).toEqual([{ url: "/out/job_1/thumb.png", contentType: "image/png", body: "png!" }]);
  });

  it("gives each attempt its own workspace and removes it", async () => {
    const ws = await tempWorkspace("job_1-1");
    await writeFile(path.join(ws.outputDir, "x"), "1");
    await ws.dispose();
    await expect(readFile(path.join(ws.outputDir, "x"))).rejects.toThrow(/ENOENT/);
    expect(safeFileName("..")).toBe("_");
    expect(safeFileName("a b/c")).toBe("a_b_c");
  });
});
