/**
 * Every entity the ORM knows, listed explicitly (no folder discovery), so
 * the metadata is the same whether run from sources, a bundle or a build.
 */
import { Agent } from "./agent.js";
import { ApiKey } from "./api-key.js";
import { CreditAccount } from "./credit-account.js";
import { CreditLedgerEntry } from "./credit-ledger-entry.js";
import { Job } from "./job.js";
import { JobEvent } from "./job-event.js";
import { JobType } from "./job-type.js";
import { Org } from "./org.js";
import { Plan } from "./plan.js";
import { RateLimit } from "./rate-limit.js";
import { WebhookDelivery } from "./webhook-delivery.js";
import { WebhookDeliveryAttempt } from "./webhook-delivery-attempt.js";
import { WebhookEndpoint } from "./webhook-endpoint.js";

export const ALL_ENTITIES = [
  Plan,
  Org,
  ApiKey,
  Agent,
  JobType,
  Job,
  JobEvent,
  CreditAccount,
  CreditLedgerEntry,
  WebhookEndpoint,
  WebhookDelivery,
  WebhookDeliveryAttempt,
  RateLimit,
] as const;
