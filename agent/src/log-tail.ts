/**
 * The last few KB of a handler's log lines: what a failed job carries as its
 * error detail (the seed's "stderr tail"). Old lines fall off the front so
 * memory stays bounded however much a handler logs.
 */
export const DEFAULT_TAIL_BYTES = 4096;

export class LogTail {
  private readonly lines: string[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes = DEFAULT_TAIL_BYTES) {}

  push(line: string): void {
    for (const part of line.replace(/\r?\n$/, "").split(/\r?\n/)) {
      const kept = tailBytes(part, this.maxBytes);
      this.lines.push(kept);
      this.bytes += Buffer.byteLength(kept) + 1;
    }
    while (this.bytes - 1 > this.maxBytes && this.lines.length > 1) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!) + 1;
    }
  }

  /** The kept lines joined by "\n": at most maxBytes bytes of UTF-8. */
  text(): string {
    return tailBytes(this.lines.join("\n"), this.maxBytes);
  }
}

/** The end of `text` that fits in `maxBytes` bytes of UTF-8, never splitting a character. */
export function tailBytes(text: string, maxBytes: number): string {
  const buf = Buffer.from(text);
  if (buf.length <= maxBytes) return text;
  let start = buf.length - maxBytes;
  while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start++;
  return buf.subarray(start).toString();
}
