/**
 * A WebSocket test client of the gateway's hub (the `ws` package, so tests
 * can send headers and see close codes): collects every JSON message and
 * waits for conditions with deadlines.
 */
import WebSocket from "ws";

export interface HubClient {
  readonly ws: WebSocket;
  readonly messages: any[];
  /** Resolves with the first message passing `match` (looking at those already received too). */
  waitFor(match: (m: any) => boolean, what: string, timeoutMs?: number): Promise<any>;
  /** Resolves with the close code and reason. */
  closed(timeoutMs?: number): Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
}

export interface ConnectOptions {
  readonly headers?: Record<string, string>;
  readonly protocols?: string[];
}

/** Opens a connection; rejects with `Unexpected server response: <status>` when the upgrade is refused. */
export function connectHub(url: string, options: ConnectOptions = {}): Promise<HubClient> {
  const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
  const messages: any[] = [];
  const listeners = new Set<() => void>();
  let close: { code: number; reason: string } | undefined;
  ws.on("message", (data) => {
    messages.push(JSON.parse(data.toString()));
    listeners.forEach((l) => l());
  });
  ws.on("close", (code, reason) => {
    close = { code, reason: reason.toString() };
    listeners.forEach((l) => l());
  });
  const until = <T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (close && what !== "close") {
          done();
          reject(new Error(`${what}: the connection closed first (${close.code} ${close.reason}); got ${JSON.stringify(messages.slice(-5))}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what}: not within ${timeoutMs} ms; got ${JSON.stringify(messages.slice(-5))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  const client: HubClient = {
    ws,
    messages,
    waitFor: (match, what, timeoutMs = 20_000) => until(() => messages.find(match), what, timeoutMs),
    closed: (timeoutMs = 20_000) => until(() => close, "close", timeoutMs),
    send: (m) => ws.send(JSON.stringify(m)),
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(client));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => reject(Object.assign(new Error(`Unexpected server response: ${res.statusCode}`), { status: res.statusCode, body, headers: res.headers })));
    });
  });
}
