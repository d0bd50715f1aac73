/**
 * Waiting in test fakes: resolves with the first non-undefined value of
 * `pick()`, re-evaluated whenever the fake calls its listeners (a message
 * arrived, an advisory was seen); rejects after `timeoutMs`. No polling.
 */
export function waitOnChanges<T>(
  listeners: Set<() => void>,
  what: string,
  pick: () => T | undefined,
  timeoutMs: number,
): Promise<T> {
  const now = pick();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise<T>((resolve, reject) => {
    const check = (): void => {
      const value = pick();
      if (value === undefined) return;
      cleanup();
      resolve(value);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      listeners.delete(check);
    };
    listeners.add(check);
  });
}
