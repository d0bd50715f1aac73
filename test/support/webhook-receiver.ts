/**
 * A user's webhook endpoint for end-to-end tests: a real HTTP server on
 * loopback that records every POST and answers as the test scripts it —
 * a status, or "hang" (hold the request open, as a stuck server would).
 * Signatures are checked the way a user checks them: with the
 * `standardwebhooks` library and the endpoint's secret.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { until } from "./until.js";

export interface ReceivedWebhook {
  /** 1 for the first request this receiver got. */
  readonly n: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly json: any;
  readonly webhookId: string;
  readonly type: string;
}

/** How to answer the n-th request: an HTTP status, or hold it open until the receiver closes. */
export type Answer = number | "hang";

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Decides the answer to each request (default: 200 for all). */
  answer: (request: ReceivedWebhook) => Answer;
  /** Throws unless `request` verifies with `secret` (standardwebhooks: id, timestamp, HMAC). */
  verify(request: ReceivedWebhook, secret: string): unknown;
  /** Waits (with a deadline) for a request passing `match`. */
  waitFor(what: string, match: (r: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      let json: any;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const request: ReceivedWebhook = { n: received.length + 1, headers, body, json, webhookId: headers["webhook-id"] ?? "", type: json?.type ?? "" };
      received.push(request);
      const answer = receiver.answer(request);
      if (answer === "hang") {
        hanging.add(res);
        return;
      }
      res.writeHead(answer, { "content-type": "text/plain" }).end(answer < 300 ? "ok" : `scripted ${answer}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answer: () => 200,
    verify: (request, secret) =>
      new Webhook(secret).verify(request.body, {
        "webhook-id": request.headers["webhook-id"] ?? "",
        "webhook-timestamp": request.headers["webhook-timestamp"] ?? "",
        "webhook-signature": request.headers["webhook-signature"] ?? "",
      }),
    waitFor: (what, match, timeoutMs = 30_000) => until(what, Date.now() + timeoutMs, async () => received.find(match)),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}
