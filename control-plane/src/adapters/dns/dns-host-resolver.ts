/**
 * HostResolver on the operating system's resolver (getaddrinfo, as the
 * deliverer's HTTP client will use): every A and AAAA address of a host.
 * getaddrinfo has no timeout of its own and can hang on a dead DNS server,
 * which would hang the RPC; the timeout turns that into a refusal.
 */
import { lookup } from "node:dns/promises";
import type { HostResolver } from "../../app/webhook-url-check.js";

export function createDnsHostResolver(timeoutMs = 5000): HostResolver {
  return async (host) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`lookup of ${host} timed out`), { code: "ETIMEOUT" })), timeoutMs);
    });
    try {
      const found = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
      return found.map((a) => a.address);
    } finally {
      clearTimeout(timer);
    }
  };
}
