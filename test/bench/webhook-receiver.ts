/**
 * The bench's webhook endpoint: a node:http server on loopback that answers
 * every POST 200 as soon as its body is in and records when it arrived, so
 * that the receiver costs the measurement as little as a receiver can.
 * Nothing is parsed or verified while requests come in: bodies and signature
 * headers are kept and checked after the phase (webhook-tally.ts).
 *
 * Requests are kept by path, so one receiver serves every endpoint of the
 * bench (`/hooks/<name>`) and the plain-POST baseline (`/plain`) without
 * mixing them up.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

export interface Arrival {
  /** Unix milliseconds (fractional) when the request's headers were in: on the same clock as the database's. */
  readonly atMs: number;
  readonly webhookId: string;
  readonly webhookTimestamp: string;
  readonly webhookSignature: string;
  readonly userAgent: string;
  readonly body: string;
}

export interface BenchReceiver {
  /** http://127.0.0.1:<port> (no path). */
  readonly baseUrl: string;
  /** What arrived at `path` so far, in arrival order (the live array). */
  arrivals(path: string): readonly Arrival[];
  close(): Promise<void>;
}

const nowMs = () => performance.timeOrigin + performance.now();

export async function startBenchReceiver(): Promise<BenchReceiver> {
  const byPath = new Map<string, Arrival[]>();
  const server = http.createServer((req, res) => {
    const atMs = nowMs();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "2" }).end("ok");
      const path = req.url ?? "/";
      let list = byPath.get(path);
      if (!list) byPath.set(path, (list = []));
      list.push({
        atMs,
        webhookId: String(req.headers["webhook-id"] ?? ""),
        webhookTimestamp: String(req.headers["webhook-timestamp"] ?? ""),
        webhookSignature: String(req.headers["webhook-signature"] ?? ""),
        userAgent: String(req.headers["user-agent"] ?? ""),
        body: Buffer.concat(chunks).toString("utf8"),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    arrivals: (path) => byPath.get(path) ?? [],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
