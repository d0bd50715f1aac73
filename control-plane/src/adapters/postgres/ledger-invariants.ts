/**
 * Audits the credit invariants over the whole database, for tests (after
 * every test) and for an operator's consistency check. Returns one line per
 * violation; an empty list means the books balance:
 *
 *   balance == Σ topup − Σ capture                (per org, from the ledger)
 *   held    == Σ hold − Σ capture − Σ release     (per org, from the ledger)
 *   held    == Σ jobs.held_credits                (per org, the open holds)
 *   a job in a terminal status holds nothing
 *   a job's held_credits == what the ledger still holds for its attempt
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { createOrm, type Orm } from "./orm.js";

const ORG_CHECK = `
  with ledger as (
    select org_id,
           coalesce(sum(amount) filter (where kind = 'topup'), 0)
             - coalesce(sum(amount) filter (where kind = 'capture'), 0) as balance,
           coalesce(sum(amount) filter (where kind = 'hold'), 0)
             - coalesce(sum(amount) filter (where kind in ('capture', 'release')), 0) as held
      from credit_ledger group by org_id
  ), jobs_held as (
    select org_id, sum(held_credits) as held from jobs group by org_id
  )
  select coalesce(a.org_id, l.org_id, j.org_id) as org_id,
         a.balance::text as balance, a.held::text as held,
         coalesce(l.balance, 0)::text as ledger_balance, coalesce(l.held, 0)::text as ledger_held,
         coalesce(j.held, 0)::text as jobs_held
    from credit_accounts a
    full join ledger l on l.org_id = a.org_id
    full join jobs_held j on j.org_id = coalesce(a.org_id, l.org_id)
   where coalesce(a.balance, 0) <> coalesce(l.balance, 0)
      or coalesce(a.held, 0) <> coalesce(l.held, 0)
      or coalesce(a.held, 0) <> coalesce(j.held, 0)
   order by 1`;

const JOB_CHECK = `
  with per_attempt as (
    select job_id, attempt,
           coalesce(sum(amount) filter (where kind = 'hold'), 0)
             - coalesce(sum(amount) filter (where kind in ('capture', 'release')), 0) as open
      from credit_ledger where job_id is not null group by job_id, attempt
  )
  select j.id, j.status, j.attempt, j.held_credits::text as held,
         coalesce(sum(p.open), 0)::text as ledger_open
    from jobs j left join per_attempt p on p.job_id = j.id
   group by j.id
  having (j.status in ('complete', 'failed', 'cancelled') and j.held_credits <> 0)
      or j.held_credits <> coalesce(sum(p.open), 0)
   order by 1`;

interface OrgRow {
  org_id: string;
  balance: string | null;
  held: string | null;
  ledger_balance: string;
  ledger_held: string;
  jobs_held: string;
}

interface JobRow {
  id: string;
  status: string;
  attempt: number;
  held: string;
  ledger_open: string;
}

/**
 * Violations of the credit invariants; [] when the books balance. Pass an
 * EntityManager to audit inside its transaction, an ORM, or a database URL.
 */
export async function checkLedgerInvariants(target: string | Orm | EntityManager): Promise<string[]> {
  if (typeof target === "string") {
    const orm = await createOrm(target, { poolSize: 1 });
    try {
      return await audit(orm.em.fork());
    } finally {
      await orm.close();
    }
  }
  return audit("em" in target ? target.em.fork() : target);
}

async function audit(em: EntityManager): Promise<string[]> {
  const violations: string[] = [];
  for (const r of await em.execute<OrgRow[]>(ORG_CHECK)) {
    violations.push(
      `org ${r.org_id}: account balance=${r.balance ?? "none"} held=${r.held ?? "none"}, ` +
        `ledger balance=${r.ledger_balance} held=${r.ledger_held}, jobs hold ${r.jobs_held}`,
    );
  }
  for (const r of await em.execute<JobRow[]>(JOB_CHECK)) {
    violations.push(
      `job ${r.id} (${r.status}, attempt ${r.attempt}): holds ${r.held}, ledger has ${r.ledger_open} open`,
    );
  }
  return violations;
}
