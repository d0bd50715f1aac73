/**
 * Keyset pagination for list calls. A cursor is the sort key of the last
 * item of a page — e.g. (created_at, id) for jobs — so the next page is
 * "items after this key": stable while new items arrive (no duplicates, no
 * gaps, unlike OFFSET) and served from an index.
 *
 * On the wire it is opaque: base64url of a small versioned JSON array of
 * strings. Clients must not build or parse it; the version tag lets the
 * format change later without misreading old cursors. Anything that does
 * not decode to the expected parts is a VALIDATION_ERROR on `/cursor`.
 */
import { validationError } from "./domain-error.js";

/** Page size when the request leaves it at 0. */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest page a caller may ask for: bounds the work and the response of one call. */
export const MAX_PAGE_SIZE = 100;

const VERSION = "v1";

/** The page size to serve for a requested `limit` (0 = default); VALIDATION_ERROR above the maximum. */
export function pageSize(requested: number): number {
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(requested) || requested < 0 || requested > MAX_PAGE_SIZE) {
    throw validationError([{ path: "/limit", description: `must be from 1 to ${MAX_PAGE_SIZE} (0 for ${DEFAULT_PAGE_SIZE})` }]);
  }
  return requested;
}

/** The opaque cursor for a sort key. */
export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify([VERSION, ...parts]), "utf8").toString("base64url");
}

const malformed = () => validationError([{ path: "/cursor", description: "is not a cursor returned by this API" }]);

/**
 * The sort key in `cursor`, each part accepted by its check (the checks
 * also fix how many parts there are); VALIDATION_ERROR otherwise.
 */
export function decodeCursor(cursor: string, checks: readonly ((part: string) => boolean)[]): string[] {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw malformed();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw malformed();
  }
  if (!Array.isArray(decoded) || decoded[0] !== VERSION || decoded.length !== checks.length + 1) throw malformed();
  const parts = decoded.slice(1);
  const valid = parts.every((part, i) => typeof part === "string" && (checks[i]?.(part) ?? false));
  if (!valid) throw malformed();
  return parts as string[];
}
