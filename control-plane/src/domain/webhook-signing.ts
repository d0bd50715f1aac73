/**
 * The Standard Webhooks headers of one POST. The signature is
 * HMAC-SHA256(secret, "<webhook-id>.<webhook-timestamp>.<body>"), computed by
 * the `standardwebhooks` reference library so receivers using any SDK of the
 * spec verify it. After a rotation, while the previous secret is still
 * valid, the POST carries both signatures ("v1,<new> v1,<old>"): a receiver
 * configured with either secret accepts it, so it can switch at leisure.
 *
 * Signing happens when a gateway claims the delivery (not at enqueue), so
 * the timestamp is fresh for receivers that refuse old messages (the spec's
 * tolerance is 5 minutes) and a rotation applies to pending deliveries too.
 */
import { Webhook } from "standardwebhooks";

export interface SigningSecrets {
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly previousSecretExpiresAt: Date | null;
}

export interface WebhookHeaders {
  readonly webhookId: string;
  /** Unix seconds, as a decimal string. */
  readonly webhookTimestamp: string;
  /** Space-separated "v1,<base64>" signatures, the current secret's first. */
  readonly webhookSignature: string;
}

/** True while the rotated-out secret still signs. */
export function previousSecretValid(secrets: SigningSecrets, now: Date): boolean {
  return secrets.previousSecret !== null && secrets.previousSecretExpiresAt !== null && secrets.previousSecretExpiresAt > now;
}

/** Headers for POSTing `payload` as message `msgId` at `now`. */
export function signWebhook(secrets: SigningSecrets, msgId: string, payload: string, now: Date): WebhookHeaders {
  const keys = [secrets.secret];
  if (previousSecretValid(secrets, now)) keys.push(secrets.previousSecret!);
  return {
    webhookId: msgId,
    webhookTimestamp: String(Math.floor(now.getTime() / 1000)),
    webhookSignature: keys.map((key) => new Webhook(key).sign(msgId, now, payload)).join(" "),
  };
}
