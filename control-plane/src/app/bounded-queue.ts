/**
 * A subscriber's buffer of live events: bounded, and honest when it is not
 * enough. A producer (the feed) must never block on a slow consumer (one
 * watcher on a congested link), and must never drop an event silently either —
 * a watcher that misses one event breaks the "no gap" promise. So when the
 * buffer is full the queue *overflows*: it discards everything it holds and
 * ignores pushes until reset(), and the consumer, seeing `overflowed`, decides
 * (catch up from the table, or end the stream with "resume from N").
 *
 * States:
 *   open        —push() under capacity→ open (item appended, waiter woken)
 *   open        —push() at capacity→ overflowed (items discarded, waiter woken)
 *   overflowed  —push()→ overflowed (ignored);  —reset()→ open (empty)
 *   open | overflowed —close()→ closed (waiter woken; pushes ignored)
 * Invariant: while not overflowed, the items are exactly the pushes since the
 * last reset, in push order.
 */

export class BoundedQueue<T> {
  readonly #capacity: number;
  #items: T[] = [];
  #head = 0;
  #overflowed = false;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`queue capacity must be a positive integer, got ${capacity}`);
    this.#capacity = capacity;
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    if (this.#closed || this.#overflowed) return;
    if (this.length >= this.#capacity) {
      this.#overflowed = true;
      this.#items = [];
      this.#head = 0;
    } else {
      this.#items.push(item);
    }
    this.#notify();
  }

  /** The oldest item, or undefined when empty (or overflowed). */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head] as T;
    this.#head++;
    // Compact now and then instead of Array.shift() per item (O(n) each).
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Empties the queue and accepts pushes again after an overflow. */
  reset(): void {
    this.#items = [];
    this.#head = 0;
    this.#overflowed = false;
  }

  /** No more items will come; a waiting consumer wakes up. */
  close(): void {
    this.#closed = true;
    this.#notify();
  }

  /**
   * Resolves when there is something to look at (an item, an overflow, the
   * close) or `signal` aborts. One waiter at a time.
   */
  wait(signal?: AbortSignal): Promise<void> {
    if (this.length > 0 || this.#overflowed || this.#closed || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal?.removeEventListener("abort", done);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  #notify(): void {
    this.#wake?.();
  }
}
