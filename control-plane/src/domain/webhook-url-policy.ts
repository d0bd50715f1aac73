/**
 * Which URLs an org may point webhooks at. The control plane POSTs from
 * inside the operator's network, so a URL naming a loopback, private or
 * link-local address would let any API key probe internal services (SSRF).
 * This module is the pure half: the URL's shape, and the verdict on one IP
 * address. Resolving a hostname to its addresses is I/O and lives in the
 * app layer (webhook-url-check.ts), which judges every address it gets.
 *
 * JOBPLANE_WEBHOOK_ALLOW_PRIVATE=1 lifts the address rule (development,
 * tests, receivers on the same private network); the shape rules stay.
 */
import ipaddr from "ipaddr.js";
import { validationError, type DomainError } from "./domain-error.js";

/** Longest URL accepted: what browsers and most proxies handle. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** The env var that lets endpoints target private ranges (named in refusals). */
export const ALLOW_PRIVATE_ENV = "JOBPLANE_WEBHOOK_ALLOW_PRIVATE";

/**
 * Ranges no webhook may target unless private targets are allowed:
 * ipaddr.js range names for IPv4 and IPv6. Everything else (unicast, and the
 * special-purpose public ranges such as 6to4) is reachable on the internet.
 */
const REFUSED_RANGES: ReadonlySet<string> = new Set([
  "loopback",
  "private",
  "linkLocal",
  "uniqueLocal",
  "unspecified",
  "multicast",
  "broadcast",
  "carrierGradeNat",
  "reserved",
]);

export interface ParsedWebhookUrl {
  readonly url: URL;
  /** The host without IPv6 brackets, e.g. "example.com", "10.0.0.1", "::1". */
  readonly host: string;
  /** True when the host is an IP address literal (no DNS lookup needed). */
  readonly isIpLiteral: boolean;
}

const bad = (description: string) => validationError([{ path: "/url", description }]);

/** Checks the URL's shape; VALIDATION_ERROR at `/url` otherwise. */
export function parseWebhookUrl(text: string): ParsedWebhookUrl {
  if (text === "") throw bad("is required");
  if (text.length > MAX_WEBHOOK_URL_LENGTH) throw bad(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad("must be an absolute http or https URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw bad(`must use http or https, not ${url.protocol.slice(0, -1)}`);
  if (url.username !== "" || url.password !== "") {
    throw bad("must not contain credentials (user:password@): authenticate the request with the webhook signature");
  }
  if (url.hostname === "") throw bad("must name a host");
  // WHATWG URL keeps IPv6 literals bracketed and already normalises IPv4
  // spellings such as 2130706433 or 0x7f.1 to dotted decimal.
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { url, host, isIpLiteral: ipaddr.isValid(host) };
}

export interface AddressVerdict {
  readonly allowed: boolean;
  /** ipaddr.js's name for the range, e.g. "loopback", "private", "unicast" ("invalid" if unparsable). */
  readonly range: string;
}

/**
 * Whether a webhook may be POSTed to `address`. IPv4-mapped IPv6 addresses
 * (::ffff:127.0.0.1) are judged as the IPv4 address they carry, which is
 * where the packets go.
 */
export function classifyWebhookAddress(address: string, allowPrivate: boolean): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return { allowed: false, range: "invalid" };
  }
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  return { allowed: allowPrivate || !REFUSED_RANGES.has(range), range };
}

/** The refusal for a URL whose host is (or resolves to) a refused address. */
export function privateAddressRefusal(host: string, address: string, range: string): DomainError {
  const via = host === address ? "" : ` (${host} resolves to ${address})`;
  return bad(
    `must not target a ${range} address: ${address}${via}; set ${ALLOW_PRIVATE_ENV}=1 on the control plane to allow private targets`,
  );
}
