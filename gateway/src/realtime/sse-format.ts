/**
 * Server-sent events wire format (WHATWG HTML, "server-sent events"): an
 * event is `event:`, `id:` and `data:` lines ended by a blank line. Data is
 * JSON, which never contains a raw newline, but every line is prefixed
 * anyway so any text stays one event. Pure.
 */

export interface SseEvent {
  readonly event: string;
  /** The sequence the client echoes as Last-Event-ID when it reconnects; none for the snapshot. */
  readonly id?: string;
  readonly data: unknown;
}

/** Strips CR/LF from a field value so it cannot start a new field. */
const field = (value: string) => value.replace(/[\r\n]/g, "");

export function formatSseEvent(e: SseEvent): string {
  const lines = [`event: ${field(e.event)}`];
  if (e.id !== undefined) lines.push(`id: ${field(e.id)}`);
  for (const line of JSON.stringify(e.data).split("\n")) lines.push(`data: ${line}`);
  return `${lines.join("\n")}\n\n`;
}

/** A comment line: ignored by clients, keeps idle proxies from closing the stream. */
export function formatSseComment(text: string): string {
  return `: ${field(text)}\n\n`;
}

/**
 * Last-Event-ID → the sequence to resume after. Absent or empty: undefined
 * (start from the beginning). Anything but a non-negative integer: null (the
 * caller answers 400).
 */
export function parseLastEventId(header: string | string[] | undefined): bigint | undefined | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === "") return undefined;
  return /^\d{1,18}$/.test(value.trim()) ? BigInt(value.trim()) : null;
}
