/**
 * Every migration, in the order it applies. Listed explicitly (MikroORM's
 * `migrationsList`) instead of discovered from the folder, so the same list
 * runs from the TypeScript sources, a bundle or a `tsc` build, and nothing
 * depends on the working directory. Append only.
 */
import type { MigrationObject } from "@mikro-orm/core";
import { Migration20260601000000_initial } from "./Migration20260601000000_initial.js";
import { Migration20261129000000_rate_limits } from "./Migration20261129000000_rate_limits.js";
import { Migration20261129000100_job_type_catalog } from "./Migration20261129000100_job_type_catalog.js";
import { Migration20261129000200_event_sequencing } from "./Migration20261129000200_event_sequencing.js";
import { Migration20261129000500_dispatch_notify } from "./Migration20261129000500_dispatch_notify.js";
import { Migration20261129001000_webhook_delivery_attempts } from "./Migration20261129001000_webhook_delivery_attempts.js";
import { Migration20261129001100_balance_events } from "./Migration20261129001100_balance_events.js";
import { Migration20261129001200_webhook_history_retention } from "./Migration20261129001200_webhook_history_retention.js";

export const MIGRATIONS: readonly MigrationObject[] = [
  { name: "Migration20260601000000_initial", class: Migration20260601000000_initial },
  { name: "Migration20261129000000_rate_limits", class: Migration20261129000000_rate_limits },
  { name: "Migration20261129000100_job_type_catalog", class: Migration20261129000100_job_type_catalog },
  { name: "Migration20261129000200_event_sequencing", class: Migration20261129000200_event_sequencing },
  { name: "Migration20261129000500_dispatch_notify", class: Migration20261129000500_dispatch_notify },
  { name: "Migration20261129001000_webhook_delivery_attempts", class: Migration20261129001000_webhook_delivery_attempts },
  { name: "Migration20261129001100_balance_events", class: Migration20261129001100_balance_events },
  { name: "Migration20261129001200_webhook_history_retention", class: Migration20261129001200_webhook_history_retention },
];
