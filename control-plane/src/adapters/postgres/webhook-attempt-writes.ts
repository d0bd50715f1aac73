/**
 * Writes the outcome of one webhook attempt (decided by
 * domain/webhook-attempt-outcome.ts) inside the report's transaction: the
 * delivery's next state and the endpoint's failure run.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { ReportedAttempt } from "../../app/webhook-store.js";
import type { AttemptOutcome } from "../../domain/webhook-attempt-outcome.js";

export async function applyAttemptOutcome(
  em: EntityManager,
  attempt: ReportedAttempt,
  endpointId: string,
  outcome: AttemptOutcome,
): Promise<void> {
  const next = outcome.delivery;
  const nextAt = next.kind === "retry" ? "now() + ? * interval '1 millisecond'" : "null";
  await em.execute(
    `update webhook_deliveries
        set status = ?, next_at = ${nextAt}, last_status_code = ?, last_error = ?, updated_at = now()
      where id = ?`,
    [
      next.kind === "retry" ? "pending" : next.kind,
      ...(next.kind === "retry" ? [next.delayMs] : []),
      attempt.statusCode,
      outcome.lastError,
      attempt.deliveryId,
    ],
  );

  const change = outcome.endpoint;
  if (change.kind === "resetRun") {
    await em.execute(
      "update webhook_endpoints set consecutive_failures = 0, updated_at = now() where id = ? and consecutive_failures <> 0",
      [endpointId],
    );
  } else if (change.kind === "extendRun") {
    const disable = change.disabledReason === null ? "" : ", active = false, disabled_reason = ?";
    await em.execute(`update webhook_endpoints set consecutive_failures = ?, updated_at = now()${disable} where id = ?`, [
      change.consecutiveFailures,
      ...(change.disabledReason === null ? [] : [change.disabledReason]),
      endpointId,
    ]);
  }
}
