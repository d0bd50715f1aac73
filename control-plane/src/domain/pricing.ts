/**
 * Job pricing in whole credits (plain JS numbers, kept within
 * Number.MAX_SAFE_INTEGER; the proto carries them as int64).
 *
 * At submit the estimate — the price of running for the job type's whole max
 * execution time — is held. On completion the actual cost is charged from the
 * hold: started seconds are billed (usage is rounded up), and never more than
 * was held, so a job that overran its estimate costs exactly its hold. Test
 * mode jobs are free. Failures and cancellations are not priced here: they
 * release the whole hold.
 *
 * Prices come from configuration; a negative or fractional price is a
 * configuration bug, so it throws a RangeError rather than being rounded.
 */

export interface Price {
  /** Charged once per job. */
  readonly baseCredits: number;
  /** Charged per started second of execution. */
  readonly creditsPerSecond: number;
}

export interface EstimateInput extends Price {
  /** The job type's max execution time; rounded up to a whole second. */
  readonly maxExecutionSeconds: number;
  readonly testMode: boolean;
}

export interface ActualInput extends Price {
  /** Execution time the agent reported; negative counts as 0, rounded up. */
  readonly usageSeconds: number;
  /** Credits held for this attempt: the cap on what is charged. */
  readonly held: number;
  readonly testMode: boolean;
}

/** Credits to hold when a job is submitted or retried. */
export function estimateCost(input: EstimateInput): number {
  checkPrice(input);
  checkSeconds("maxExecutionSeconds", input.maxExecutionSeconds);
  if (input.maxExecutionSeconds < 0) {
    throw new RangeError(`maxExecutionSeconds must not be negative, got ${input.maxExecutionSeconds}`);
  }
  if (input.testMode) return 0;
  return checkResult(input.baseCredits + input.creditsPerSecond * Math.ceil(input.maxExecutionSeconds));
}

/** Credits to capture from the hold when a job completes. */
export function actualCost(input: ActualInput): number {
  checkPrice(input);
  checkCredits("held", input.held);
  checkSeconds("usageSeconds", input.usageSeconds);
  if (input.testMode) return 0;
  const billedSeconds = Math.ceil(Math.max(0, input.usageSeconds));
  return Math.min(input.held, checkResult(input.baseCredits + input.creditsPerSecond * billedSeconds));
}

function checkPrice(price: Price): void {
  checkCredits("baseCredits", price.baseCredits);
  checkCredits("creditsPerSecond", price.creditsPerSecond);
}

function checkCredits(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative whole number of credits, got ${value}`);
  }
}

function checkSeconds(name: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number of seconds, got ${value}`);
  }
}

function checkResult(credits: number): number {
  if (!Number.isSafeInteger(credits)) {
    throw new RangeError(`cost ${credits} exceeds the largest exact credit amount`);
  }
  return credits;
}
