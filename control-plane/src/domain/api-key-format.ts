/**
 * API key secrets: `jp_live_<43 base64url chars>` or `jp_test_…` (32 random
 * bytes). Only a SHA-256 of the secret is stored: the secret has 256 bits of
 * entropy, so a slow password hash would add latency to every call and no
 * safety. The first characters (`prefix`) are kept in clear so a user can
 * recognise a key in a list.
 */
import { createHash, randomBytes } from "node:crypto";

export type KeyMode = "live" | "test";

const KEY_PATTERN = /^jp_(live|test)_[A-Za-z0-9_-]{43}$/;

export interface GeneratedApiKey {
  /** Shown to the user once; never stored. */
  readonly secret: string;
  /** What is stored and looked up. */
  readonly hash: string;
  /** e.g. "jp_live_AbC1" — safe to show in lists. */
  readonly prefix: string;
}

export function generateApiKey(mode: KeyMode): GeneratedApiKey {
  const secret = `jp_${mode}_${randomBytes(32).toString("base64url")}`;
  return { secret, hash: hashSecret(secret), prefix: secret.slice(0, 12) };
}

/** True when `secret` has the shape of a jobplane API key (says nothing of validity). */
export function looksLikeApiKey(secret: string): boolean {
  return KEY_PATTERN.test(secret);
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Agent tokens: `jpa_<43 base64url chars>`, stored hashed the same way. */
export function generateAgentToken(): { readonly token: string; readonly hash: string } {
  const token = `jpa_${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashSecret(token) };
}

/** The credential in `Authorization: Bearer <credential>`, or undefined. */
export function bearerCredential(authorization: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match?.[1];
}
