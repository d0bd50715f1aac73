/**
 * The demo's webhook endpoint: what a user's own server does with jobplane's
 * webhooks, in a few lines. A node:http server on 127.0.0.1 (a free port)
 * that checks every POST with the `standardwebhooks` library on the raw body,
 * as the README tells users to, and answers 204 when it verifies, 401 when it
 * does not (a failed attempt: the gateway tries again later).
 *
 * It is loopback, so the control plane and the gateway must run with
 * JOBPLANE_WEBHOOK_ALLOW_PRIVATE=1 (dev-stack.ts sets it).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface DemoDelivery {
  /** `webhook-id`: the event id (evt_…), the same on every attempt. */
  readonly webhookId: string;
  readonly type: string;
  /** The job's id for job.* events. */
  readonly jobId: string | undefined;
  readonly verified: boolean;
  /** Why verification failed. */
  readonly error?: string;
}

export interface DemoReceiver {
  /** Where the endpoint points. */
  readonly url: string;
  /** The endpoint's `whsec_…` secret, known once the endpoint exists; until then every POST is refused (503). */
  secret: string | undefined;
  /** Every POST in arrival order. */
  readonly deliveries: readonly DemoDelivery[];
  /** Resolves true once `done(deliveries)` holds, false if it still does not after `timeoutMs`. */
  waitFor(done: (deliveries: readonly DemoDelivery[]) => boolean, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The part of a webhook body the demo reads: `{type, data: job}`. */
type Payload = { type?: string; data?: { id?: string } } | undefined;

function header(req: http.IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : (value ?? "");
}

export async function startDemoReceiver(): Promise<DemoReceiver> {
  const deliveries: DemoDelivery[] = [];
  const listeners = new Set<() => void>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (!receiver.secret) return void res.writeHead(503).end();
      // The raw body, exactly as received: verifying re-serialised JSON would fail.
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const webhookId = header(req, "webhook-id");
      let payload: Payload;
      let error: string | undefined;
      try {
        payload = new Webhook(receiver.secret).verify(rawBody, {
          "webhook-id": webhookId,
          "webhook-timestamp": header(req, "webhook-timestamp"),
          "webhook-signature": header(req, "webhook-signature"),
        }) as Payload;
      } catch (err) {
        error = (err as Error).message;
        try {
          payload = JSON.parse(rawBody) as Payload; // only to say what failed to verify
        } catch {
          payload = undefined;
        }
      }
      const delivery: DemoDelivery = {
        webhookId,
        type: payload?.type ?? "",
        jobId: payload?.data?.id,
        verified: error === undefined,
        ...(error === undefined ? {} : { error }),
      };
      deliveries.push(delivery);
      res.writeHead(delivery.verified ? 204 : 401).end();
      for (const listener of listeners) listener();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;

  const receiver: DemoReceiver = {
    url: `http://127.0.0.1:${port}/webhooks`,
    secret: undefined,
    deliveries,
    waitFor(done, timeoutMs) {
      if (done(deliveries)) return Promise.resolve(true);
      return new Promise((resolve) => {
        const finish = (result: boolean) => {
          clearTimeout(timer);
          listeners.delete(check);
          resolve(result);
        };
        const check = () => {
          if (done(deliveries)) finish(true);
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        listeners.add(check);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}
