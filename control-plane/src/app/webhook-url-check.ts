/**
 * The full check of a webhook URL at create and update: its shape
 * (domain/webhook-url-policy.ts), then every address its host resolves to.
 * ANY refused address refuses the URL — a name with one public and one
 * private address would otherwise let a resolver pick the private one at
 * delivery time. An unresolvable host is refused too: the org learns of a
 * typo now rather than from a run of failed deliveries.
 *
 * This is a check at configuration time; DNS can change afterwards (DNS
 * rebinding), so the deliverer should judge the address it connects to again.
 */
import { validationError } from "../domain/domain-error.js";
import { classifyWebhookAddress, parseWebhookUrl, privateAddressRefusal } from "../domain/webhook-url-policy.js";

/** Every address `host` resolves to (A and AAAA); rejects when it does not resolve. */
export type HostResolver = (host: string) => Promise<readonly string[]>;

export interface UrlCheckDeps {
  /** JOBPLANE_WEBHOOK_ALLOW_PRIVATE. */
  readonly allowPrivate: boolean;
  readonly resolve: HostResolver;
}

/** Returns the URL unchanged when acceptable; VALIDATION_ERROR at `/url` otherwise. */
export async function checkWebhookUrl(text: string, deps: UrlCheckDeps): Promise<string> {
  const { host, isIpLiteral } = parseWebhookUrl(text);
  let addresses: readonly string[];
  if (isIpLiteral) {
    addresses = [host];
  } else {
    try {
      addresses = await deps.resolve(host);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const why = typeof code === "string" ? ` (${code})` : "";
      throw validationError([{ path: "/url", description: `host ${host} could not be resolved${why}` }]);
    }
    if (addresses.length === 0) throw validationError([{ path: "/url", description: `host ${host} has no address` }]);
  }
  for (const address of addresses) {
    const verdict = classifyWebhookAddress(address, deps.allowPrivate);
    if (!verdict.allowed) throw privateAddressRefusal(host, address, verdict.range);
  }
  return text;
}
