import { describe, expect, it } from "vitest";
import { seedApiKey, seedOrg } from "../../../../test/support/db-fixtures.js";
import { useTestDatabase } from "../../../../test/support/test-database.js";
import { createOrm } from "./orm.js";
import { createPgRateLimiter } from "./pg-rate-limiter.js";

const T0 = new Date("2026-11-29T12:00:00.000Z");
const at = (ms: number): Date => new Date(T0.getTime() + ms);

describe("PgRateLimiter", () => {
  const db = useTestDatabase({ poolSize: 30 });

  async function newKey(): Promise<string> {
    const orgId = await seedOrg(db.orm, { plan: "free" });
    return (await seedApiKey(db.orm, orgId)).keyId;
  }

  it("lets a key burst its rate, then refuses with the retry-after of one interval", async () => {
    const keyId = await newKey();
    const limiter = createPgRateLimiter(db.orm);
    for (let i = 0; i < 30; i++) {
      expect(await limiter.take(keyId, 30, T0), `request ${i + 1}`).toEqual({ allowed: true, retryAfterMs: 0 });
    }
    expect(await limiter.take(keyId, 30, T0)).toEqual({ allowed: false, retryAfterMs: 2000 });
    expect(await limiter.take(keyId, 30, at(500))).toEqual({ allowed: false, retryAfterMs: 1500 });
  });

  it("refills one request per interval as the clock moves, and a refusal costs nothing", async () => {
    const keyId = await newKey();
    const limiter = createPgRateLimiter(db.orm);
    for (let i = 0; i < 30; i++) await limiter.take(keyId, 30, T0);
    for (let i = 0; i < 5; i++) expect((await limiter.take(keyId, 30, at(1999))).allowed).toBe(false);

    expect(await limiter.take(keyId, 30, at(2000))).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await limiter.take(keyId, 30, at(2000))).toEqual({ allowed: false, retryAfterMs: 2000 });

    // A quiet minute refills the whole burst, and no more.
    const later = await Promise.all(Array.from({ length: 31 }, () => limiter.take(keyId, 30, at(200_000))));
    expect(later.filter((d) => d.allowed)).toHaveLength(30);
  });

  it("keeps each key's limit separate", async () => {
    const [a, b] = [await newKey(), await newKey()];
    const limiter = createPgRateLimiter(db.orm);
    for (let i = 0; i < 30; i++) await limiter.take(a, 30, T0);
    expect((await limiter.take(a, 30, T0)).allowed).toBe(false);
    expect((await limiter.take(b, 30, T0)).allowed).toBe(true);
  });

  it("never lets two instances (two pools) together exceed the limit: 60 racing takes at 30/min → exactly 30", async () => {
    const keyId = await newKey();
    const otherOrm = await createOrm(db.url, { poolSize: 30 });
    try {
      const [a, b] = [createPgRateLimiter(db.orm), createPgRateLimiter(otherOrm)];
      const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).take(keyId, 30, T0)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(30);
      for (const refused of decisions.filter((d) => !d.allowed)) expect(refused.retryAfterMs).toBeGreaterThan(0);
    } finally {
      await otherOrm.close();
    }
  });

  it("forgets a key's state with the key (cascade)", async () => {
    const keyId = await newKey();
    await createPgRateLimiter(db.orm).take(keyId, 30, T0);
    const em = db.orm.em.fork();
    await em.execute("delete from api_keys where id = ?", [keyId]);
    expect(await em.execute("select key_id from rate_limits where key_id = ?", [keyId])).toEqual([]);
  });
});
