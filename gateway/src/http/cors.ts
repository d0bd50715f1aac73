/**
 * CORS for browser clients on another origin (a dashboard), set by
 * GATEWAY_CORS_ORIGINS: empty = off (no CORS header at all, OPTIONS is a 405
 * as on any other method a route lacks); `*` = any origin; otherwise a
 * comma-separated list of exact origins. Pure decisions; server.ts applies
 * them.
 *
 * - Every response to an allowed Origin carries Access-Control-Allow-Origin
 *   (the origin itself; with `*`, `*` on every response) and exposes
 *   X-Request-Id and Retry-After, error responses included, so a page can
 *   read the error envelope and honour Retry-After. With a list, every
 *   response also says `Vary: Origin`: it differs by origin, and a shared
 *   cache must know that.
 * - A preflight (OPTIONS with Origin and Access-Control-Request-Method) on a
 *   known route answers 204 with the route's methods (from the router), the
 *   request headers the gateway reads, and Max-Age 600. From an origin not on
 *   the list it is still 204, without any CORS header: the browser then
 *   refuses the real request, and the answer is the same shape either way
 *   (a 403 would need an error code of its own for no gain).
 * - No credentials mode (no Access-Control-Allow-Credentials): the API takes
 *   bearer API keys in Authorization, never cookies, so `*` is safe to offer.
 * - WebSocket upgrades are not subject to CORS (browsers do not preflight
 *   them); /v1/realtime authenticates by key whatever the page's origin.
 */

export type CorsPolicy =
  | { readonly kind: "off" }
  | { readonly kind: "any" }
  | { readonly kind: "list"; readonly origins: ReadonlySet<string> };

/** Request headers a page may send: every request header the gateway reads, besides the safelisted ones. */
export const CORS_ALLOW_HEADERS = "Authorization, Content-Type, Last-Event-ID, X-Request-Id";
/** Response headers a page may read besides the safelisted ones. */
export const CORS_EXPOSE_HEADERS = "X-Request-Id, Retry-After";
/** How long a browser may cache a preflight's answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

const ORIGIN_SHAPE = /^https?:\/\/[^/?#@\s]+$/i;

/**
 * One configured origin, normalised the way browsers serialise Origin
 * (lower-case scheme and host, default port dropped). Throws on anything that
 * is not http(s)://host[:port] with nothing after it.
 */
export function parseOrigin(raw: string): string {
  if (!ORIGIN_SHAPE.test(raw) || !URL.canParse(raw)) {
    throw new Error(`"${raw}" is not an origin: expected scheme://host[:port] (http or https) with no path, query or trailing slash`);
  }
  return new URL(raw).origin;
}

/** GATEWAY_CORS_ORIGINS → policy. Blank entries are ignored; `*` must stand alone. */
export function parseCorsOrigins(raw: string | undefined): CorsPolicy {
  const entries = (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (entries.length === 0) return { kind: "off" };
  if (entries.includes("*")) {
    if (entries.length > 1) throw new Error(`"*" allows every origin and cannot be combined with a list, got "${raw}"`);
    return { kind: "any" };
  }
  return { kind: "list", origins: new Set(entries.map(parseOrigin)) };
}

function isAllowed(policy: CorsPolicy, origin: string | undefined): origin is string {
  if (origin === undefined || policy.kind === "off") return false;
  return policy.kind === "any" || policy.origins.has(origin);
}

/**
 * The CORS headers of every response but a preflight's. In any-origin mode
 * they are the same for every request (with or without Origin), so no Vary.
 */
export function corsResponseHeaders(policy: CorsPolicy, origin: string | undefined): Record<string, string> {
  switch (policy.kind) {
    case "off":
      return {};
    case "any":
      return { "access-control-allow-origin": "*", "access-control-expose-headers": CORS_EXPOSE_HEADERS };
    case "list":
      return isAllowed(policy, origin)
        ? { vary: "Origin", "access-control-allow-origin": origin, "access-control-expose-headers": CORS_EXPOSE_HEADERS }
        : { vary: "Origin" };
  }
}

/** Whether a request is a CORS preflight (which the policy then answers instead of the 405 an OPTIONS would get). */
export function isPreflight(policy: CorsPolicy, method: string, origin: string | undefined, requestMethod: string | undefined): boolean {
  return policy.kind !== "off" && method.toUpperCase() === "OPTIONS" && origin !== undefined && requestMethod !== undefined;
}

/** The headers of a 204 preflight answer on a route with `methods`; for an origin not allowed, none but Vary. */
export function corsPreflightHeaders(policy: CorsPolicy, origin: string | undefined, methods: readonly string[]): Record<string, string> {
  if (!isAllowed(policy, origin)) return policy.kind === "list" ? { vary: "Origin" } : {};
  return {
    ...(policy.kind === "list" ? { vary: "Origin" } : {}),
    "access-control-allow-origin": policy.kind === "any" ? "*" : origin,
    "access-control-allow-methods": methods.join(", "),
    "access-control-allow-headers": CORS_ALLOW_HEADERS,
    "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
  };
}
