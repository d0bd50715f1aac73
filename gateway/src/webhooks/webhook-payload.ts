/**
 * The body POSTed for an event, rendered by the gateway from the JobEvent on
 * JOBPLANE_EVENTS and stored by the control plane byte for byte (it signs
 * exactly these bytes):
 *
 *   {"type": "job.completed", "timestamp": "2026-01-01T00:00:00.000Z", "data": <Job>}
 *
 * `data` is the job in the REST shape (rest/job-json.ts), so a webhook and
 * GET /jobs/{id} show the same object; for balance.low and balance.depleted
 * it is the org's credits {balance, held, available, threshold}. Pure.
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { JobEvent } from "../../../proto/gen/jobplane/v1/event_pb.js";
import { jobJson, type RestJob } from "../rest/job-json.js";

export interface BalanceData {
  balance: number;
  held: number;
  available: number;
  /** The low-balance threshold that was crossed (balance.low), or 0. */
  threshold: number;
}

export interface WebhookPayload {
  type: string;
  /** When the event happened, ISO-8601 in UTC with milliseconds. */
  timestamp: string;
  data: RestJob | BalanceData | null;
}

function balanceData(event: JobEvent): BalanceData {
  const b = event.balance;
  return {
    balance: Number(b?.balance ?? 0n),
    held: Number(b?.held ?? 0n),
    available: Number(b?.available ?? 0n),
    threshold: Number(b?.threshold ?? 0n),
  };
}

/**
 * @param fallbackTime used only when the event carries no occurred_at (the
 *   stream's own timestamp of the message, say).
 */
export function webhookPayload(event: JobEvent, fallbackTime: Date): WebhookPayload {
  const when = event.occurredAt ? timestampDate(event.occurredAt) : fallbackTime;
  const data = event.type.startsWith("balance.") ? balanceData(event) : event.job ? jobJson(event.job) : null;
  return { type: event.type, timestamp: when.toISOString(), data };
}

/** The body text, as signed and POSTed. */
export function renderWebhookPayload(event: JobEvent, fallbackTime: Date): string {
  return JSON.stringify(webhookPayload(event, fallbackTime));
}
