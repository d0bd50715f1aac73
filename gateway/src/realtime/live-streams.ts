/**
 * The long-lived connections (SSE streams, WebSocket clients) a gateway
 * holds open, so shutdown can tell each one why it is being closed instead
 * of waiting for clients that never hang up.
 */

export interface LiveStream {
  /** Tells the client `reason` and closes; must not throw. */
  close(reason: string): void;
}

export class LiveStreams {
  private readonly open = new Set<LiveStream>();

  /** Registers a stream; the returned function unregisters it. */
  add(stream: LiveStream): () => void {
    this.open.add(stream);
    return () => this.open.delete(stream);
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(reason: string): void {
    for (const s of [...this.open]) s.close(reason);
    this.open.clear();
  }
}
