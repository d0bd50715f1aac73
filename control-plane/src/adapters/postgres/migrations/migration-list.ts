/**
 * Every migration, in the order it applies. Listed explicitly (MikroORM's
 * `migrationsList`) instead of discovered from the folder, so the same list
 * runs from the TypeScript sources, a bundle or a `tsc` build, and nothing
 * depends on the working directory. Append only.
 */
import type { MigrationObject } from "@mikro-orm/core";
import { Migration20260601000000_initial } from "./Migration20260601000000_initial.js";

export const MIGRATIONS: readonly MigrationObject[] = [
  { name: "Migration20260601000000_initial", class: Migration20260601000000_initial },
];
