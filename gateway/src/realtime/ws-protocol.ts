/**
 * The real-time hub's small protocol, pure so every rule has a unit test.
 *
 * Credentials, in the order looked at:
 *   1. `Authorization: Bearer <key>` on the upgrade request (servers, CLIs);
 *   2. the subprotocol `jobplane.bearer.<key>` (browsers: `new WebSocket(url,
 *      ["jobplane.v1", "jobplane.bearer." + key])`); the server selects
 *      `jobplane.v1` when offered, so the key is not echoed back;
 *   3. a first message {"type":"auth","apiKey":"<key>"} (browsers).
 *
 * Client → server: auth (once), resume {afterSequence} (restart the stream
 * after that sequence), ping (answered with pong; browsers cannot send
 * protocol pings). Server → client: ready {afterSequence}, each event of the
 * org's timeline (type "job.…", or "balance.low" / "balance.depleted" with
 * `balance` {balance, held, available, threshold} and no job), balance.updated
 * {balance: {balance, held, available}} (after a subscribe and whenever the
 * org's credits changed; only for keys with billing:read), pong,
 * error {error: {code, message, details}}.
 */

export const PROTOCOL = "jobplane.v1";
export const BEARER_PROTOCOL_PREFIX = "jobplane.bearer.";

export type ClientMessage =
  | { readonly type: "auth"; readonly apiKey: string }
  | { readonly type: "resume"; readonly afterSequence: bigint }
  | { readonly type: "ping" };

export type ParsedMessage = { readonly ok: true; readonly message: ClientMessage } | { readonly ok: false; readonly problem: string };

/** 1e18: above any sequence we will see, below int64's limit. */
const MAX_SEQUENCE = 10n ** 18n;

function sequence(value: unknown): bigint | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^\d{1,18}$/.test(value)) return BigInt(value);
  return undefined;
}

export function parseClientMessage(text: string): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: "messages must be JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, problem: "messages must be JSON objects" };
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case "auth":
      if (typeof m.apiKey !== "string" || m.apiKey === "" || m.apiKey.length > 512) {
        return { ok: false, problem: "auth needs apiKey (a non-empty string)" };
      }
      return { ok: true, message: { type: "auth", apiKey: m.apiKey } };
    case "resume": {
      const after = sequence(m.afterSequence);
      if (after === undefined || after > MAX_SEQUENCE) {
        return { ok: false, problem: "resume needs afterSequence (a non-negative integer)" };
      }
      return { ok: true, message: { type: "resume", afterSequence: after } };
    }
    case "ping":
      return { ok: true, message: { type: "ping" } };
    default:
      return { ok: false, problem: `unknown message type ${JSON.stringify(m.type)}; expected auth, resume or ping` };
  }
}

/** The Sec-WebSocket-Protocol values a client offered. */
export function offeredProtocols(header: string | undefined): string[] {
  return (header ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** `Bearer <key>` from the subprotocol list, if one carries a key. */
export function authorizationFromProtocols(protocols: Iterable<string>): string | undefined {
  for (const p of protocols) {
    if (p.startsWith(BEARER_PROTOCOL_PREFIX) && p.length > BEARER_PROTOCOL_PREFIX.length) {
      return `Bearer ${p.slice(BEARER_PROTOCOL_PREFIX.length)}`;
    }
  }
  return undefined;
}

/**
 * The subprotocol to answer with: jobplane.v1 when offered; otherwise the
 * bearer one (a browser fails the connection when none of its offers is
 * selected); otherwise none.
 */
export function selectProtocol(protocols: ReadonlySet<string>): string | false {
  if (protocols.has(PROTOCOL)) return PROTOCOL;
  for (const p of protocols) if (p.startsWith(BEARER_PROTOCOL_PREFIX)) return p;
  return false;
}

/** ?after=N → the sequence; undefined when absent; null when invalid. */
export function parseAfterParam(query: URLSearchParams): bigint | undefined | null {
  const raw = query.get("after");
  if (raw === null || raw === "") return undefined;
  return /^\d{1,18}$/.test(raw) ? BigInt(raw) : null;
}

/** A close reason within the protocol's 123-byte limit. */
export function closeReason(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= 123) return text;
  return new TextDecoder().decode(bytes.subarray(0, 120)).replace(/\uFFFD$/, "") + "...";
}

/** Close codes the hub uses. */
export const CLOSE = {
  /** Server shutting down: reconnect (to another instance) with ?after. */
  GOING_AWAY: 1001,
  /** Bad credentials, missing auth, or protocol abuse. */
  POLICY: 1008,
  /** Unexpected failure. */
  INTERNAL: 1011,
  /** The control plane is unreachable for now: reconnect later with ?after. */
  TRY_AGAIN_LATER: 1013,
  /** The client read too slowly: its unsent data passed the bound. */
  SLOW_CONSUMER: 4000,
} as const;
