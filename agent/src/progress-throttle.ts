/**
 * Sends at most one progress update per `intervalMs`: the first at once, and
 * the latest of any that came in between when the interval ends (so the last
 * word, e.g. 100 %, is never lost while intermediate ones are dropped).
 * The control plane throttles what it stores to the same interval
 * (RegisterResponse.progress_throttle_ms); throttling here saves the traffic.
 */
import type { Clock, TimerHandle } from "./clock.js";

export interface ProgressUpdate {
  readonly percent: number;
  readonly step: string;
  readonly message: string;
}

export class ProgressThrottle {
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private pending: ProgressUpdate | undefined;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly send: (update: ProgressUpdate) => void,
  ) {}

  push(update: ProgressUpdate): void {
    if (this.closed) return;
    const now = this.clock.now();
    if (this.timer === undefined && now - this.lastSentAt >= this.intervalMs) {
      this.emit(update, now);
      return;
    }
    this.pending = update;
    this.timer ??= this.clock.setTimeout(() => this.flushPending(), this.lastSentAt + this.intervalMs - now);
  }

  /** Drops any pending update and ignores later ones (the attempt ended; its result says the rest). */
  close(): void {
    this.closed = true;
    this.pending = undefined;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flushPending(): void {
    this.timer = undefined;
    const update = this.pending;
    this.pending = undefined;
    if (update && !this.closed) this.emit(update, this.clock.now());
  }

  private emit(update: ProgressUpdate, now: number): void {
    this.lastSentAt = now;
    this.send(update);
  }
}

/** Clamps a handler's progress call to a well-formed update (0–100; NaN → undefined). */
export function normaliseProgress(percent: number, step?: string, message?: string): ProgressUpdate | undefined {
  if (typeof percent !== "number" || Number.isNaN(percent)) return undefined;
  return { percent: Math.min(100, Math.max(0, percent)), step: step ?? "", message: message ?? "" };
}
