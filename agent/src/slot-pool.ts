/**
 * The agent's execution slots (--slots N). A slot is taken from the moment a
 * fetch asks JetStream for a message until that attempt's result is
 * acknowledged (or its claim lost), so the agent never holds more than N jobs
 * at once, counting ones whose claim or result is still on the wire.
 */
export class SlotPool {
  private used = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly total: number) {
    if (!Number.isInteger(total) || total < 1) throw new Error(`slots must be a positive integer, got ${total}`);
  }

  get free(): number {
    return this.total - this.used;
  }

  get inUse(): number {
    return this.used;
  }

  /**
   * Waits until at least one slot is free, then takes up to `max` of the free
   * ones. Rejects with the signal's reason if `signal` aborts first.
   */
  async acquireUpTo(max: number, signal?: AbortSignal): Promise<number> {
    while (this.free === 0) {
      if (signal?.aborted) throw signal.reason;
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const i = this.waiters.indexOf(wake);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal?.reason);
        };
        const wake = (): void => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        this.waiters.push(wake);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    if (signal?.aborted) throw signal.reason;
    const n = Math.min(Math.max(1, max), this.free);
    this.used += n;
    return n;
  }

  release(n = 1): void {
    if (n <= 0) return;
    if (n > this.used) throw new Error(`releasing ${n} slots but only ${this.used} are taken`);
    this.used -= n;
    for (const wake of this.waiters.splice(0)) wake();
  }
}
