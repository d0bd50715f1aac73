/**
 * Reads JobEvents from a Watch server stream until `until` holds or the
 * stream ends, failing after `timeoutMs`. Returns what arrived and whether
 * the stream ended.
 */
import type { JobEvent } from "../../proto/gen/jobplane/v1/event_pb.js";

export async function readJobEvents(
  stream: AsyncIterable<{ event?: JobEvent }>,
  until: (seen: readonly JobEvent[]) => boolean = () => false,
  timeoutMs = 20_000,
): Promise<{ events: JobEvent[]; ended: boolean }> {
  const events: JobEvent[] = [];
  const iterator = stream[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`stream timed out after ${events.length} events`)), timeoutMs);
  });
  try {
    while (!until(events)) {
      const next = await Promise.race([iterator.next(), deadline]);
      if (next.done) return { events, ended: true };
      if (next.value.event) events.push(next.value.event);
    }
    return { events, ended: false };
  } finally {
    clearTimeout(timer);
  }
}
