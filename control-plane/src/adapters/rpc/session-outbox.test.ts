import { describe, expect, it } from "vitest";
import { SessionOutbox } from "./session-outbox.js";

describe("SessionOutbox", () => {
  it("hands out what was pushed, in order, then ends after close; later pushes are ignored", async () => {
    const out = new SessionOutbox<number>();
    const read = (async () => {
      const got: number[] = [];
      for await (const n of out) got.push(n);
      return got;
    })();
    out.push(1);
    await Promise.resolve();
    out.push(2);
    out.push(3);
    out.close();
    out.push(4);
    expect(await read).toEqual([1, 2, 3]);
  });
});
