import { describe, expect, it } from "vitest";
import { DomainError } from "./domain-error.js";
import { classifyWebhookAddress, parseWebhookUrl, privateAddressRefusal } from "./webhook-url-policy.js";

function refusal(text: string): string {
  try {
    parseWebhookUrl(text);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    const [violation] = (err as DomainError).violations;
    expect(violation?.path).toBe("/url");
    return violation?.description ?? "";
  }
  throw new Error(`expected ${text} to be refused`);
}

describe("parseWebhookUrl", () => {
  it("accepts absolute http and https URLs and names their host", () => {
    expect(parseWebhookUrl("https://hooks.example.com/in?x=1")).toMatchObject({ host: "hooks.example.com", isIpLiteral: false });
    expect(parseWebhookUrl("http://10.0.0.1:8080/")).toMatchObject({ host: "10.0.0.1", isIpLiteral: true });
    expect(parseWebhookUrl("http://[::1]:9/")).toMatchObject({ host: "::1", isIpLiteral: true });
    // Other IPv4 spellings come out dotted, so they cannot dodge the address rule.
    expect(parseWebhookUrl("http://2130706433/").host).toBe("127.0.0.1");
    expect(parseWebhookUrl("http://0x7f.1/").host).toBe("127.0.0.1");
  });

  it("refuses relative, non-http, credentialed and over-long URLs", () => {
    expect(refusal("")).toMatch(/required/);
    expect(refusal("/hooks")).toMatch(/absolute/);
    expect(refusal("ftp://example.com/")).toMatch(/http or https/);
    expect(refusal("file:///etc/passwd")).toMatch(/http or https/);
    expect(refusal("https://user:pw@example.com/")).toMatch(/credentials/);
    expect(refusal("https://user@example.com/")).toMatch(/credentials/);
    expect(refusal(`https://example.com/${"a".repeat(2048)}`)).toMatch(/2048/);
  });
});

describe("classifyWebhookAddress", () => {
  const refused = [
    ["127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "linkLocal"],
    ["fd00::1", "uniqueLocal"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
  ] as const;

  it.each(refused)("refuses %s (%s) unless private targets are allowed", (address, range) => {
    expect(classifyWebhookAddress(address, false)).toEqual({ allowed: false, range });
    expect(classifyWebhookAddress(address, true)).toEqual({ allowed: true, range });
  });

  it("allows public unicast addresses", () => {
    for (const address of ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) {
      expect(classifyWebhookAddress(address, false)).toEqual({ allowed: true, range: "unicast" });
    }
  });

  it("refuses what is not an address", () => {
    expect(classifyWebhookAddress("not-an-ip", true)).toEqual({ allowed: false, range: "invalid" });
  });
});

describe("privateAddressRefusal", () => {
  it("names the address, the host it came from and the env var", () => {
    const err = privateAddressRefusal("localhost", "127.0.0.1", "loopback");
    expect(err.violations[0]).toEqual({
      path: "/url",
      description: expect.stringMatching(/loopback address: 127\.0\.0\.1 \(localhost resolves to 127\.0\.0\.1\).*JOBPLANE_WEBHOOK_ALLOW_PRIVATE=1/),
    });
  });
});
