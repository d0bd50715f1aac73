/**
 * WebhookService's endpoint use cases: create, read, change, delete, rotate.
 * Every call is for one org (the API key's); another org's endpoint is
 * NOT_FOUND, never FORBIDDEN, so ids of other orgs cannot be probed.
 *
 * Checks before any write: the URL (shape, then the addresses its host
 * resolves to), the event list (default set when empty), the description's
 * length, the rotation window.
 */
import { notFound, planLimit, validationError } from "../domain/domain-error.js";
import { resolveWebhookEvents } from "../domain/webhook-events.js";
import { newWebhookSecret, previousSecretWindowSeconds } from "../domain/webhook-secret.js";
import type { Clock } from "./clock.js";
import { checkWebhookUrl, type UrlCheckDeps } from "./webhook-url-check.js";
import type { WebhookEndpointChanges, WebhookEndpointRecord, WebhookEndpointStore } from "./webhook-store.js";

/** Enough for a note; bounded so a list of endpoints stays small. */
export const MAX_DESCRIPTION_LENGTH = 1024;

export interface WebhookEndpointDeps {
  readonly endpoints: WebhookEndpointStore;
  /** Endpoints one org may have: each event fans out to all of them. */
  readonly maxEndpointsPerOrg: number;
  readonly urls: UrlCheckDeps;
  readonly clock: Clock;
}

export interface EndpointWithSecret {
  readonly endpoint: WebhookEndpointRecord;
  /** Shown once. */
  readonly secret: string;
}

function checkDescription(description: string): string {
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw validationError([{ path: "/description", description: `must be at most ${MAX_DESCRIPTION_LENGTH} characters` }]);
  }
  return description;
}

const missing = (id: string) => notFound(`webhook endpoint ${id}`);

export async function createWebhookEndpoint(
  deps: WebhookEndpointDeps,
  orgId: string,
  request: { readonly url: string; readonly events: readonly string[]; readonly description: string },
): Promise<EndpointWithSecret> {
  const events = resolveWebhookEvents(request.events);
  const description = checkDescription(request.description);
  const url = await checkWebhookUrl(request.url, deps.urls);
  const secret = newWebhookSecret();
  const endpoint = await deps.endpoints.create({ orgId, url, events, description, secret }, deps.maxEndpointsPerOrg);
  if (endpoint === undefined) {
    throw planLimit(
      "webhook_endpoints",
      `an org may have at most ${deps.maxEndpointsPerOrg} webhook endpoints; delete one first (one endpoint may subscribe to any number of event types)`,
    );
  }
  return { endpoint, secret };
}

export async function getWebhookEndpoint(
  deps: Pick<WebhookEndpointDeps, "endpoints">,
  orgId: string,
  id: string,
): Promise<WebhookEndpointRecord> {
  const endpoint = await deps.endpoints.get(orgId, id);
  if (endpoint === undefined) throw missing(id);
  return endpoint;
}

export interface UpdateEndpointRequest {
  readonly id: string;
  readonly url?: string | undefined;
  /** With events: replace the list (empty = the default set). */
  readonly replaceEvents: boolean;
  readonly events: readonly string[];
  readonly description?: string | undefined;
  readonly active?: boolean | undefined;
}

export async function updateWebhookEndpoint(
  deps: WebhookEndpointDeps,
  orgId: string,
  request: UpdateEndpointRequest,
): Promise<WebhookEndpointRecord> {
  const changes: WebhookEndpointChanges = {
    events: request.replaceEvents ? resolveWebhookEvents(request.events) : undefined,
    description: request.description === undefined ? undefined : checkDescription(request.description),
    active: request.active,
    // Last: the only check that does I/O, after the cheap ones passed.
    url: request.url === undefined ? undefined : await checkWebhookUrl(request.url, deps.urls),
  };
  const endpoint = await deps.endpoints.update(orgId, request.id, changes);
  if (endpoint === undefined) throw missing(request.id);
  return endpoint;
}

export async function deleteWebhookEndpoint(deps: Pick<WebhookEndpointDeps, "endpoints">, orgId: string, id: string): Promise<void> {
  if (!(await deps.endpoints.delete(orgId, id))) throw missing(id);
}

/**
 * A new secret; the old one keeps signing beside it for the window (default
 * a day) so receivers can switch without dropping a delivery. Rotating again
 * within the window retires the older secret at once.
 */
export async function rotateWebhookSecret(
  deps: WebhookEndpointDeps,
  orgId: string,
  id: string,
  previousValidSeconds: number,
): Promise<EndpointWithSecret> {
  const window = previousSecretWindowSeconds(previousValidSeconds);
  const secret = newWebhookSecret();
  const expiresAt = new Date(deps.clock().getTime() + window * 1000);
  const endpoint = await deps.endpoints.rotateSecret(orgId, id, secret, expiresAt);
  if (endpoint === undefined) throw missing(id);
  return { endpoint, secret };
}
