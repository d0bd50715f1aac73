/**
 * The webhook baseline: what a plain node:http client does against the same
 * receiver, measured in the same run — N POSTs of a real delivered webhook's
 * body and headers (so the same bytes), `concurrency` at a time, as many as
 * the gateway runs (GATEWAY_WEBHOOK_CONCURRENCY). Like the gateway's poster,
 * every POST opens its own connection (`agent: false`, no keep-alive), so
 * the difference to jobplane is its own work — reading events, enqueueing,
 * claiming, signing, reporting — not a connection policy. Timed from the
 * first request to the last response's end.
 */
import http from "node:http";
import type { BaselineResult } from "./baselines.js";

export interface PlainPostOptions {
  /** The receiver's URL (its own path, so these are not counted as webhooks). */
  readonly url: string;
  readonly count: number;
  readonly concurrency: number;
  readonly body: string;
  readonly headers: Record<string, string>;
}

function post(url: URL, body: Buffer, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: "POST",
      agent: false,
      headers: { ...headers, "content-type": "application/json", "content-length": String(body.length) },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`plain POST answered ${res.statusCode}`))));
      res.on("error", reject);
    });
    req.end(body);
  });
}

export async function plainPostBaseline(options: PlainPostOptions): Promise<BaselineResult> {
  const url = new URL(options.url);
  const body = Buffer.from(options.body, "utf8");
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < options.count) {
      next++;
      await post(url, body, options.headers);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
  const seconds = (performance.now() - start) / 1000;
  return { count: options.count, seconds, perSecond: options.count / seconds };
}
