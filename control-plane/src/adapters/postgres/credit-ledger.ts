/**
 * The CreditLedger port: an org's balance and its top-ups. Holds, captures
 * and releases are not here: they happen only as part of a job transition
 * (JobStore), in that transition's transaction.
 */

export interface Balance {
  /** Bought minus charged. */
  readonly balance: number;
  /** Reserved by jobs that have not finished. */
  readonly held: number;
  /** balance − held: what a new job can hold. */
  readonly available: number;
}

export interface CreditLedger {
  /** Adds `amount` (> 0) credits and records a topup ledger row. Returns the new balance. */
  topUp(orgId: string, amount: number, memo?: string): Promise<Balance>;
  /** All zero for an org without an account. */
  getBalance(orgId: string): Promise<Balance>;
}
