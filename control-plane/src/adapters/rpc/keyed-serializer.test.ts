import { describe, expect, it } from "vitest";
import { KeyedSerializer } from "./keyed-serializer.js";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("KeyedSerializer", () => {
  it("runs tasks of one key in order and tasks of different keys side by side", async () => {
    const serial = new KeyedSerializer();
    const order: string[] = [];
    const gate = deferred();
    serial.run("a", async () => {
      await gate.promise;
      order.push("a1");
    }, () => {});
    serial.run("a", async () => void order.push("a2"), () => {});
    serial.run("b", async () => void order.push("b1"), () => {});
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual(["b1"]);
    gate.resolve();
    await serial.idle();
    expect(order).toEqual(["b1", "a1", "a2"]);
  });

  it("hands a task's error to onError and goes on with the key", async () => {
    const serial = new KeyedSerializer();
    const errors: unknown[] = [];
    const order: string[] = [];
    serial.run("a", async () => {
      throw new Error("x");
    }, (e) => errors.push(e));
    serial.run("a", async () => void order.push("after"), () => {});
    await serial.idle();
    expect(errors).toHaveLength(1);
    expect(order).toEqual(["after"]);
  });
});
