/**
 * The outgoing side of one agent session: replies and pushes are queued from
 * anywhere (request handlers, the control bus) and the stream's generator
 * drains them in order. Unbounded on purpose: a session's replies are
 * bounded by its own requests, and pushes by the attempts it runs.
 *
 * States: open —push()→ open (item queued, reader woken); open —close()→
 * closed: the reader gets what is queued, then the end; pushes are ignored.
 */
export class SessionOutbox<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #closed = false;
  #wake: (() => void) | undefined;

  get closed(): boolean {
    return this.#closed;
  }

  push(item: T): void {
    if (this.#closed) return;
    this.#items.push(item);
    this.#wakeReader();
  }

  close(): void {
    this.#closed = true;
    this.#wakeReader();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#items.length > 0) {
        const batch = this.#items;
        this.#items = [];
        yield* batch;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
