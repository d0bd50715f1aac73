/**
 * Reads what a stream holds without consuming it (direct gets by subject,
 * STREAM.MSG.GET next_by_subj — NATS 2.9 serves it), so tests can look into
 * work-queue streams, where a consumer would take the messages away.
 */
import type { JetStreamManager, MsgRequest, StoredMsg } from "@nats-io/jetstream";

export async function streamMessages(jsm: JetStreamManager, stream: string, subject = ">"): Promise<StoredMsg[]> {
  const out: StoredMsg[] = [];
  for (let seq = 1; ; ) {
    const m = await jsm.streams.getMessage(stream, { seq, next_by_subj: subject } as unknown as MsgRequest);
    if (m === null) return out;
    out.push(m);
    seq = m.seq + 1;
  }
}

/** The Nats-Msg-Id header of a stored message. */
export const msgIdOf = (m: StoredMsg): string | undefined => m.header?.get("Nats-Msg-Id") || undefined;
