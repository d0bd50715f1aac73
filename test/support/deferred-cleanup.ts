/**
 * Cleanups that must run before useTestDatabase() drops the database (close a
 * server, stop a loop). vitest's onTestFinished runs after the afterEach hooks,
 * i.e. after the drop; afterEach hooks run in reverse order of registration,
 * so call useDeferredCleanup() after useTestDatabase() and its afterEach runs
 * first. Deferred functions run last-in first-out, each even if one fails.
 */
import { afterEach } from "vitest";

export type Defer = (cleanup: () => Promise<unknown> | unknown) => void;

export function useDeferredCleanup(): Defer {
  const pending: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    const errors: unknown[] = [];
    for (let cleanup = pending.pop(); cleanup; cleanup = pending.pop()) {
      try {
        await cleanup();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, "cleanup failed");
  });
  return (cleanup) => void pending.push(cleanup);
}
