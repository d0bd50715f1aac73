/**
 * WebhookEndpointStore on PostgreSQL. Every statement carries `org_id = ?`,
 * so another org's endpoint is simply not there. Each call is one
 * statement (no read-check-write), except create, which counts the org's
 * endpoints under a per-org lock to enforce the cap.
 */
import { newId } from "../../domain/ids.js";
import type { WebhookEndpointRecord, WebhookEndpointStore } from "../../app/webhook-store.js";
import type { Orm } from "./orm.js";
import { ENDPOINT_JSON, endpointFromRow, type EndpointRowJson } from "./webhook-rows.js";

/** Why an endpoint is inactive after UpdateWebhookEndpoint(active = false). */
export const USER_DISABLED_REASON = "disabled by the user";

/** A text[] parameter passed as JSON: an empty list binds as well as a long one. */
const TEXT_ARRAY = "array(select jsonb_array_elements_text(?::jsonb))";

export function createPgWebhookEndpointStore(orm: Orm): WebhookEndpointStore {
  /** Runs a statement returning `e` rows as { e }, mapped to records. */
  const query = async (sql: string, params: unknown[]): Promise<WebhookEndpointRecord[]> => {
    const rows = await orm.em.fork().execute<{ e: EndpointRowJson }[]>(sql, params);
    return rows.map((r) => endpointFromRow(r.e));
  };

  return {
    create(input, maxPerOrg) {
      // The count and the insert must see each other's effects across concurrent creates of one
      // org: a transaction-scoped advisory lock per org serialises just those (nothing else of the
      // org waits), and the count runs after it is taken, in its own statement's snapshot.
      return orm.em.fork().transactional(async (em) => {
        await em.execute("select pg_advisory_xact_lock(hashtextextended('webhook_endpoints:' || ?, 0))", [input.orgId]);
        const [count] = await em.execute<{ n: number }[]>("select count(*)::int as n from webhook_endpoints where org_id = ?", [input.orgId]);
        if ((count?.n ?? 0) >= maxPerOrg) return undefined;
        const [created] = await em.execute<{ e: EndpointRowJson }[]>(
          `insert into webhook_endpoints as e (id, org_id, url, secret, events, description)
           values (?, ?, ?, ?, ${TEXT_ARRAY}, ?)
           returning ${ENDPOINT_JSON} as e`,
          [newId("whe"), input.orgId, input.url, input.secret, JSON.stringify(input.events), input.description],
        );
        if (created === undefined) throw new Error("insert into webhook_endpoints returned no row");
        return endpointFromRow(created.e);
      });
    },

    list(orgId) {
      return query(`select ${ENDPOINT_JSON} as e from webhook_endpoints e where e.org_id = ? order by e.created_at desc, e.id desc`, [
        orgId,
      ]);
    },

    async get(orgId, id) {
      const [found] = await query(`select ${ENDPOINT_JSON} as e from webhook_endpoints e where e.id = ? and e.org_id = ?`, [id, orgId]);
      return found;
    },

    async update(orgId, id, changes) {
      const sets = ["updated_at = now()"];
      const params: unknown[] = [];
      if (changes.url !== undefined) {
        sets.push("url = ?");
        params.push(changes.url);
      }
      if (changes.events !== undefined) {
        sets.push(`events = ${TEXT_ARRAY}`);
        params.push(JSON.stringify(changes.events));
      }
      if (changes.description !== undefined) {
        sets.push("description = ?");
        params.push(changes.description);
      }
      if (changes.active === true) {
        // Re-enabling starts a fresh failure run; its pending deliveries become claimable again.
        sets.push("active = true", "consecutive_failures = 0", "disabled_reason = null");
      } else if (changes.active === false) {
        sets.push("active = false", "disabled_reason = ?");
        params.push(USER_DISABLED_REASON);
      }
      const [updated] = await query(
        `update webhook_endpoints e set ${sets.join(", ")} where e.id = ? and e.org_id = ? returning ${ENDPOINT_JSON} as e`,
        [...params, id, orgId],
      );
      return updated;
    },

    async delete(orgId, id) {
      const rows = await orm.em
        .fork()
        .execute<{ id: string }[]>("delete from webhook_endpoints where id = ? and org_id = ? returning id", [id, orgId]);
      return rows.length > 0;
    },

    async rotateSecret(orgId, id, newSecret, previousExpiresAt) {
      // The right-hand sides read the row as it was: previous_secret gets the old secret.
      const [rotated] = await query(
        `update webhook_endpoints e
            set previous_secret = e.secret, secret = ?, previous_secret_expires_at = ?, updated_at = now()
          where e.id = ? and e.org_id = ?
          returning ${ENDPOINT_JSON} as e`,
        [newSecret, previousExpiresAt, id, orgId],
      );
      return rotated;
    },
  };
}
