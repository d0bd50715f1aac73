/**
 * Reads a server-sent events response (fetch) into events, for tests: a
 * plain parser of the wire format (event/id/data fields, blank-line
 * terminated), since Node has no EventSource and the test wants the raw
 * sequence anyway.
 */
export interface ReadEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: any;
}

export interface SseConnection {
  readonly status: number;
  readonly headers: Headers;
  /** The next event, or undefined once the server ended the stream. Rejects at the deadline. */
  next(deadline: number): Promise<ReadEvent | undefined>;
  /** Every event until the server ends the stream. */
  rest(deadline: number): Promise<ReadEvent[]>;
  cancel(): Promise<void>;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers } });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let ended = false;
  const parse = (block: string): ReadEvent | undefined => {
    let event = "message";
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const [field, ...rest] = line.split(":");
      const value = rest.join(":").replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "id") id = value;
      else if (field === "data") data.push(value);
    }
    return data.length === 0 ? undefined : { event, id, data: JSON.parse(data.join("\n")) };
  };
  const next = async (deadline: number): Promise<ReadEvent | undefined> => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parse(block);
        if (event) return event;
        continue;
      }
      if (ended) return undefined;
      const timeout = deadline - Date.now();
      if (timeout <= 0) throw new Error("SSE: no event by the deadline");
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("SSE: no event by the deadline")), timeout))),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) ended = true;
      else buffer += chunk.value;
    }
  };
  return {
    status: res.status,
    headers: res.headers,
    next,
    async rest(deadline) {
      const events: ReadEvent[] = [];
      for (let e = await next(deadline); e; e = await next(deadline)) events.push(e);
      return events;
    },
    cancel: () => reader.cancel(),
  };
}
