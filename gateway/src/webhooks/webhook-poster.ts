/**
 * One webhook POST: the claimed body byte for byte with the headers the
 * control plane signed, and its outcome for ReportWebhookAttempt. Built on
 * node:http/https rather than fetch so that the DNS lookup can be checked
 * (address-guard.ts) and nothing is done behind our back:
 * - one total timeout covers connect, TLS, headers and the excerpt;
 * - redirects are never followed (a 3xx is a failure: the signed request
 *   must reach the URL the org registered, not wherever it points);
 * - at most 1 KiB of the response body is read, for the excerpt; then the
 *   connection is closed (no keep-alive: every POST gets its own socket, so
 *   an endpoint cannot hold one of ours with an endless body);
 * - the outcome never throws: every failure is a {statusCode: 0, error}.
 */
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import { guardedLookup, ipLiteral, isPublicAddress } from "./address-guard.js";

export const USER_AGENT = "jobplane-webhooks/1";
export const EXCERPT_BYTES = 1024;

/** What to POST: a claimed delivery's URL, body and signed headers. */
export interface WebhookRequest {
  readonly url: string;
  readonly payload: string;
  readonly webhookId: string;
  readonly webhookTimestamp: string;
  readonly webhookSignature: string;
}

export interface PosterOptions {
  readonly timeoutMs: number;
  /** Allow private, loopback and link-local targets (tests, private networks). */
  readonly allowPrivate: boolean;
  /** Aborts the POST (shutdown past its grace). */
  readonly signal?: AbortSignal;
}

/** How the POST ended: an HTTP answer, or why there was none. */
export type PostKind = "answered" | "timeout" | "refused" | "network" | "aborted";

export interface PostOutcome {
  readonly kind: PostKind;
  /** The HTTP status; 0 when the endpoint did not answer. */
  readonly statusCode: number;
  /** Why it failed ("timed out after 10000 ms", "connection refused", "redirects are not followed"); "" otherwise. */
  readonly error: string;
  readonly durationMs: number;
  /** The start of the response body, at most EXCERPT_BYTES of UTF-8. */
  readonly responseExcerpt: string;
}

/** Whether the endpoint accepted the delivery. */
export const isDelivered = (o: PostOutcome): boolean => o.kind === "answered" && o.statusCode >= 200 && o.statusCode < 300;

class PostTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

class PostAborted extends Error {
  constructor() {
    super("aborted: the gateway is shutting down");
  }
}

/** A socket or lookup error → the words an org reads in its delivery log. */
export function describeError(err: unknown): { kind: PostKind; error: string } {
  if (err instanceof PostTimeout) return { kind: "timeout", error: err.message };
  if (err instanceof PostAborted) return { kind: "aborted", error: err.message };
  const e = err as NodeJS.ErrnoException & { errors?: NodeJS.ErrnoException[]; hostname?: string };
  const code = e.code ?? e.errors?.[0]?.code ?? "";
  switch (code) {
    case "EWEBHOOKPRIVATE":
      return { kind: "refused", error: e.message };
    case "ECONNREFUSED":
      return { kind: "network", error: "connection refused" };
    case "ECONNRESET":
      return { kind: "network", error: e.message === "socket hang up" ? "connection closed without a response" : "connection reset" };
    case "ENOTFOUND":
      return { kind: "network", error: `DNS lookup failed: ${e.hostname ?? "host"} not found` };
    case "EAI_AGAIN":
      return { kind: "network", error: `DNS lookup failed: ${e.hostname ?? "host"} (temporary failure)` };
    case "EHOSTUNREACH":
      return { kind: "network", error: "host unreachable" };
    case "ENETUNREACH":
      return { kind: "network", error: "network unreachable" };
    case "ETIMEDOUT":
      return { kind: "network", error: "connection timed out" };
    case "EPIPE":
      return { kind: "network", error: "connection closed while sending" };
  }
  if (code.startsWith("HPE_")) return { kind: "network", error: "invalid HTTP response" };
  if (code.startsWith("ERR_TLS") || /CERT|SSL|TLS/.test(code)) return { kind: "network", error: `TLS error: ${e.message}` };
  return { kind: "network", error: e.message || code || "request failed" };
}

/** UTF-8 text of at most `maxBytes` bytes, never ending in half a character. */
function excerpt(bytes: Buffer, maxBytes: number): string {
  let text = new TextDecoder("utf-8").decode(bytes.subarray(0, maxBytes), { stream: true });
  // Invalid bytes become U+FFFD (3 bytes each): trim back under the bound.
  while (Buffer.byteLength(text) > maxBytes) text = text.slice(0, -1);
  return text;
}

export function postWebhook(request: WebhookRequest, options: PosterOptions): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (kind: PostKind, error: string): PostOutcome => ({ kind, statusCode: 0, error, durationMs: elapsed(), responseExcerpt: "" });

  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return Promise.resolve(failed("refused", "invalid URL"));
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Promise.resolve(failed("refused", `unsupported URL scheme ${url.protocol}`));
  }
  if (!options.allowPrivate) {
    // A literal IP is connected to without a lookup: check it here.
    const literal = ipLiteral(url.hostname);
    if (literal !== undefined && !isPublicAddress(literal)) {
      return Promise.resolve(failed("refused", `refused: ${literal} is not a public address`));
    }
  }
  if (options.signal?.aborted) return Promise.resolve(failed("aborted", new PostAborted().message));

  const body = Buffer.from(request.payload, "utf8");
  const send = url.protocol === "https:" ? https.request : http.request;

  return new Promise<PostOutcome>((resolve) => {
    let response: IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;

    const answered = (): PostOutcome => {
      const statusCode = response?.statusCode ?? 0;
      return {
        kind: "answered",
        statusCode,
        error: statusCode >= 300 && statusCode < 400 ? "redirects are not followed" : "",
        durationMs: elapsed(),
        responseExcerpt: excerpt(Buffer.concat(chunks), EXCERPT_BYTES),
      };
    };
    const settle = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      // Whatever is left of the response is not read: close the connection.
      req.destroy();
      resolve(outcome);
    };
    // Once the status line is in, the endpoint has answered: a body cut short by
    // the timeout, an abort or a reset still leaves that answer (and what we read).
    const stop = (err: Error) => (response ? settle(answered()) : req.destroy(err));
    const onAbort = () => stop(new PostAborted());

    const req = send(url, {
      method: "POST",
      agent: false,
      headers: {
        "content-type": "application/json",
        "content-length": String(body.length),
        "user-agent": USER_AGENT,
        "webhook-id": request.webhookId,
        "webhook-timestamp": request.webhookTimestamp,
        "webhook-signature": request.webhookSignature,
      },
      ...(options.allowPrivate ? {} : { lookup: guardedLookup() }),
    });
    const timer = setTimeout(() => stop(new PostTimeout(options.timeoutMs)), options.timeoutMs);
    options.signal?.addEventListener("abort", onAbort, { once: true });

    req.on("error", (err) => {
      if (response) settle(answered());
      else {
        const { kind, error } = describeError(err);
        settle(failed(kind, error));
      }
    });
    req.on("response", (res) => {
      response = res;
      res.on("data", (chunk: Buffer) => {
        if (received < EXCERPT_BYTES) chunks.push(chunk);
        received += chunk.length;
        if (received >= EXCERPT_BYTES) settle(answered());
      });
      res.on("end", () => settle(answered()));
      res.on("error", () => settle(answered()));
      res.on("close", () => settle(answered()));
    });
    req.end(body);
  });
}
