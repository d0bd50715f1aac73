import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { guardedLookup, ipLiteral, isPublicAddress, PrivateAddressError } from "./address-guard.js";

describe("isPublicAddress", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "0.0.0.0",
    "255.255.255.255",
    "224.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fd00::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:a00:1::1",
    "not-an-ip",
  ])("refuses %s", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])("accepts %s", (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe("ipLiteral", () => {
  it("recognises the IPs a URL hostname can spell, and nothing else", () => {
    expect(ipLiteral(new URL("http://127.0.0.1:8080/x").hostname)).toBe("127.0.0.1");
    expect(ipLiteral(new URL("http://[::ffff:10.0.0.1]/").hostname)).toBe("::ffff:a00:1");
    expect(ipLiteral(new URL("http://0x7f.1/").hostname)).toBe("127.0.0.1");
    expect(ipLiteral(new URL("http://2130706433/").hostname)).toBe("127.0.0.1");
    expect(ipLiteral("example.com")).toBeUndefined();
    expect(ipLiteral("localhost")).toBeUndefined();
  });
});

describe("guardedLookup", () => {
  const resolver = (addresses: LookupAddress[]) => (_host: string, _opts: unknown, cb: (err: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) =>
    cb(null, addresses);
  const run = (addresses: LookupAddress[], all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number | undefined }>((resolve) =>
      guardedLookup(resolver(addresses))("hooks.example", { all }, (err, address, family) => resolve({ err, address, family })),
    );

  it("refuses a name that resolves only to private addresses", async () => {
    const { err } = await run([{ address: "10.0.0.5", family: 4 }], false);
    expect(err).toBeInstanceOf(PrivateAddressError);
    expect(err?.code).toBe("EWEBHOOKPRIVATE");
    expect(err?.message).toBe("refused: hooks.example resolves to 10.0.0.5, not a public address");
  });

  it("keeps only the public addresses, in the form asked for", async () => {
    const mixed = [
      { address: "::1", family: 6 },
      { address: "93.184.216.34", family: 4 },
      { address: "192.168.0.1", family: 4 },
    ];
    expect(await run(mixed, false)).toEqual({ err: null, address: "93.184.216.34", family: 4 });
    expect(await run(mixed, true)).toEqual({ err: null, address: [{ address: "93.184.216.34", family: 4 }], family: undefined });
  });

  it("passes a DNS failure through", async () => {
    const failing = (_h: string, _o: unknown, cb: (err: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) =>
      cb(Object.assign(new Error("getaddrinfo ENOTFOUND x"), { code: "ENOTFOUND" }), []);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup(failing)("x", {}, (e) => resolve(e)));
    expect(err?.code).toBe("ENOTFOUND");
  });
});
