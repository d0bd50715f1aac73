/**
 * When an org's credits become an event. Pure: given the org's available
 * credits (balance − held) right before and right after one credit movement
 * and its low-balance threshold, which event fires, if any:
 *
 *   balance.depleted  available went from > 0 to ≤ 0
 *   balance.low       available went from ≥ threshold to < threshold, and is still > 0
 *   nothing           otherwise
 *
 * Edge-triggered, so nothing needs remembering between movements: a steady
 * drain fires each event once, at its crossing; a top-up (or a released hold)
 * that lifts available back to ≥ threshold re-arms balance.low, and one
 * above 0 re-arms balance.depleted. A single movement that skips from above
 * the threshold to 0 fires only balance.depleted (the stronger news). A
 * threshold of 0 never fires balance.low.
 *
 * Which movements can fire: only those that lower available — a hold
 * (submit, retry). A capture comes out of the job's own hold (never more),
 * so it lowers balance and held alike; a release and a top-up raise
 * available. They all go through the same check anyway (credit-ops.ts), so a
 * future debit cannot forget it.
 */

/** The events an org's credits raise. */
export type BalanceEventType = "balance.low" | "balance.depleted";

/** An org's credits when a balance event fired (the BalanceSnapshot message). */
export interface BalanceSnapshot {
  /** Credits owned. */
  readonly balance: number;
  /** Credits reserved by unfinished jobs. */
  readonly held: number;
  /** balance − held. */
  readonly available: number;
  /** The threshold balance.low crossed; 0 on balance.depleted. */
  readonly threshold: number;
}

/** The event one movement from `before` to `after` available credits fires, if any. */
export function balanceAlert(before: number, after: number, threshold: number): BalanceEventType | undefined {
  if (before > 0 && after <= 0) return "balance.depleted";
  if (before >= threshold && after < threshold && after > 0) return "balance.low";
  return undefined;
}

/**
 * The snapshot a fired event carries: the account right after the movement,
 * with the threshold balance.low crossed (0 for balance.depleted).
 */
export function balanceSnapshot(type: BalanceEventType, balance: number, held: number, threshold: number): BalanceSnapshot {
  return { balance, held, available: balance - held, threshold: type === "balance.low" ? threshold : 0 };
}
