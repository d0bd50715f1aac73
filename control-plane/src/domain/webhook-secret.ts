/**
 * Webhook signing secrets, in the Standard Webhooks format: "whsec_" +
 * base64 of 32 random bytes (a 256-bit HMAC-SHA256 key). Unlike API keys
 * they are stored as they are: the control plane must sign with them later,
 * so a hash would not do. They are shown to the org once, at creation or
 * rotation.
 */
import { randomBytes } from "node:crypto";
import { validationError } from "./domain-error.js";

export const WEBHOOK_SECRET_PREFIX = "whsec_";

/** How long a rotated-out secret keeps signing when the request says 0. */
export const DEFAULT_PREVIOUS_SECRET_VALID_SECONDS = 86_400;
/** The longest overlap: a week is enough to roll any receiver's config. */
export const MAX_PREVIOUS_SECRET_VALID_SECONDS = 604_800;

/** A new secret; `random` is injectable for tests. */
export function newWebhookSecret(random: (bytes: number) => Buffer = randomBytes): string {
  return WEBHOOK_SECRET_PREFIX + random(32).toString("base64");
}

/**
 * The overlap window of a rotation, in seconds, for the requested one
 * (0 = default); VALIDATION_ERROR above the maximum.
 */
export function previousSecretWindowSeconds(requested: number): number {
  if (requested === 0) return DEFAULT_PREVIOUS_SECRET_VALID_SECONDS;
  if (!Number.isInteger(requested) || requested < 0 || requested > MAX_PREVIOUS_SECRET_VALID_SECONDS) {
    throw validationError([
      {
        path: "/previousSecretValidSeconds",
        description: `must be from 1 to ${MAX_PREVIOUS_SECRET_VALID_SECONDS} seconds (0 for ${DEFAULT_PREVIOUS_SECRET_VALID_SECONDS})`,
      },
    ]);
  }
  return requested;
}
