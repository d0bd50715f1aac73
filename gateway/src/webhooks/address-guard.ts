/**
 * Which addresses a webhook may be POSTed to. The control plane refuses a
 * private target when an endpoint is created or changed, but a hostname can
 * resolve elsewhere later (DNS rebinding): so the gateway checks again at
 * connect time, on every address the lookup returns, and on a literal IP in
 * the URL (which involves no lookup). Only globally routable unicast passes:
 * loopback, private (RFC 1918), carrier-grade NAT, link-local (cloud metadata
 * at 169.254.169.254), unique-local, multicast, reserved, documentation and
 * the like are refused; an IPv4-mapped IPv6 address (::ffff:10.0.0.1) is
 * judged as the IPv4 address it carries. Transition prefixes that embed an
 * IPv4 address (6to4, Teredo, NAT64) are refused too rather than decoded.
 */
import dns from "node:dns";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

/** Whether `address` (an IP literal) is globally routable unicast; false for anything that is not an IP. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // process() turns ::ffff:a.b.c.d into the IPv4 address a.b.c.d.
  return ipaddr.process(address).range() === "unicast";
}

/** The IP address a URL's hostname spells ("[::1]" → "::1"), or undefined for a name. */
export function ipLiteral(hostname: string): string | undefined {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return ipaddr.IPv4.isValidFourPartDecimal(bare) || ipaddr.IPv6.isValid(bare) ? bare : undefined;
}

/** The error a refused lookup fails the request with (code EWEBHOOKPRIVATE). */
export class PrivateAddressError extends Error {
  readonly code = "EWEBHOOKPRIVATE";
  constructor(readonly host: string, readonly address: string) {
    super(host === address ? `refused: ${address} is not a public address` : `refused: ${host} resolves to ${address}, not a public address`);
    this.name = "PrivateAddressError";
  }
}

type Resolver = (hostname: string, options: dns.LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

/**
 * A `lookup` for http(s).request that drops non-public addresses and fails
 * with PrivateAddressError when none is left, so the socket never connects
 * to one. Answers in whichever form the caller asked for (`all` or not).
 */
export function guardedLookup(resolve: Resolver = dns.lookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "");
      const allowed = addresses.filter((a) => isPublicAddress(a.address));
      if (allowed.length === 0) {
        return callback(new PrivateAddressError(hostname, addresses[0]?.address ?? "no address"), "");
      }
      if (options.all) return callback(null, allowed);
      return callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}
