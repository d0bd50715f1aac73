import { describe, expect, it } from "vitest";
import { DomainError } from "../domain/domain-error.js";
import { checkWebhookUrl, type HostResolver } from "./webhook-url-check.js";

const table: Record<string, string[]> = {
  "public.example": ["93.184.216.34", "2606:2800:220:1::1"],
  "mixed.example": ["93.184.216.34", "10.0.0.7"],
  "empty.example": [],
};
const resolve: HostResolver = async (host) => {
  const found = table[host];
  if (found === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return found;
};

async function refusal(url: string, allowPrivate = false): Promise<string> {
  const err = await checkWebhookUrl(url, { allowPrivate, resolve }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError)) throw new Error(`expected ${url} to be refused`);
  expect(err.violations[0]?.path).toBe("/url");
  return err.violations[0]?.description ?? "";
}

describe("checkWebhookUrl", () => {
  it("accepts a host whose every address is public", async () => {
    await expect(checkWebhookUrl("https://public.example/hook", { allowPrivate: false, resolve })).resolves.toBe(
      "https://public.example/hook",
    );
  });

  it("refuses a host with any private address, naming it and the env var", async () => {
    expect(await refusal("https://mixed.example/hook")).toMatch(/private address: 10\.0\.0\.7 \(mixed\.example resolves to 10\.0\.0\.7\).*JOBPLANE_WEBHOOK_ALLOW_PRIVATE=1/);
    await expect(checkWebhookUrl("https://mixed.example/hook", { allowPrivate: true, resolve })).resolves.toBeDefined();
  });

  it("judges IP literals without resolving them", async () => {
    const never: HostResolver = () => Promise.reject(new Error("must not resolve"));
    expect(await refusal("http://[::ffff:127.0.0.1]/")).toMatch(/loopback/);
    await expect(checkWebhookUrl("http://127.0.0.1:9/", { allowPrivate: true, resolve: never })).resolves.toBeDefined();
    await expect(checkWebhookUrl("http://93.184.216.34/", { allowPrivate: false, resolve: never })).resolves.toBeDefined();
  });

  it("refuses hosts that do not resolve, even when private targets are allowed", async () => {
    expect(await refusal("https://nowhere.example/", true)).toMatch(/nowhere\.example could not be resolved \(ENOTFOUND\)/);
    expect(await refusal("https://empty.example/", true)).toMatch(/no address/);
  });
});
