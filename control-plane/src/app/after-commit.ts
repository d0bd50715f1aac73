/**
 * Effects that leave the database: carried out right after the transaction
 * that produced them commits (never inside it, so a rolled-back transition
 * never publishes). Each is best-effort and idempotent; a lost one is caught
 * by a background pass (the dispatcher's, the agent heartbeat's), so a crash
 * between commit and effect loses nothing.
 */
import type { Effect } from "../domain/lifecycle-event.js";
import type { JobRecord } from "../adapters/postgres/job-record.js";

export interface AfterCommit {
  run(job: JobRecord, effects: readonly Effect[]): Promise<void>;
}

/** Runs each handler for the effects it understands; errors are logged by the handlers, never thrown. */
export function combineAfterCommit(...handlers: readonly AfterCommit[]): AfterCommit {
  return {
    async run(job, effects) {
      if (effects.length === 0) return;
      await Promise.all(handlers.map((h) => h.run(job, effects)));
    },
  };
}

export const noAfterCommit: AfterCommit = { run: async () => {} };
