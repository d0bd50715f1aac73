/** CreditLedger on PostgreSQL; each call is one transaction on its own fork. */
import type { EntityManager } from "@mikro-orm/postgresql";
import { topUpCredits } from "./credit-ops.js";
import type { Balance, CreditLedger } from "./credit-ledger.js";
import type { Orm } from "./orm.js";

async function readBalance(em: EntityManager, orgId: string): Promise<Balance> {
  const [row] = await em.execute<{ balance: string; held: string }[]>(
    "select balance, held from credit_accounts where org_id = ?",
    [orgId],
  );
  const balance = Number(row?.balance ?? 0);
  const held = Number(row?.held ?? 0);
  return { balance, held, available: balance - held };
}

export function createPgCreditLedger(orm: Orm): CreditLedger {
  return {
    topUp(orgId, amount, memo = "") {
      if (!Number.isSafeInteger(amount) || amount <= 0) {
        throw new RangeError(`a top-up must be a positive whole number of credits, got ${amount}`);
      }
      return orm.em.fork().transactional(async (em) => {
        await topUpCredits(em, orgId, amount, memo);
        return readBalance(em, orgId);
      });
    },
    getBalance: (orgId) => readBalance(orm.em.fork(), orgId),
  };
}
