/**
 * Runs tasks one after another per key and concurrently across keys: an
 * agent's messages about one attempt (claim, progress, result) are handled in
 * the order sent, while a slow claim of one job does not hold up another
 * job's result. `idle()` resolves once everything queued so far has settled.
 * Task errors are the task's business: run() never rejects.
 */
export class KeyedSerializer {
  readonly #tails = new Map<string, Promise<void>>();
  readonly #all = new Set<Promise<void>>();

  run(key: string, task: () => Promise<void>, onError: (err: unknown) => void): void {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const current = previous.then(task).catch(onError);
    this.#tails.set(key, current);
    this.#all.add(current);
    void current.finally(() => {
      this.#all.delete(current);
      if (this.#tails.get(key) === current) this.#tails.delete(key);
    });
  }

  async idle(): Promise<void> {
    while (this.#all.size > 0) await Promise.all(this.#all);
  }
}
