/**
 * Waits for a condition with a deadline instead of sleeping a guessed time:
 * polls `check` (every 20 ms) until it returns something other than
 * undefined; fails at `deadline` (a Date.now() value) naming `what`.
 */
export async function until<T>(what: string, deadline: number, check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached by the deadline`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
