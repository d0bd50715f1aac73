/**
 * A hash of the migration sources: the name of the template database built
 * from them. Any edit, addition or rename gives a new template, so tests never
 * run on a schema built from other migrations.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export const MIGRATIONS_DIR = fileURLToPath(
  new URL("../../control-plane/src/adapters/postgres/migrations/", import.meta.url),
);

export async function migrationsHash(dir: string = MIGRATIONS_DIR): Promise<string> {
  const hash = createHash("sha256");
  const files = (await readdir(dir, { withFileTypes: true }))
    .filter((f) => f.isFile() && !f.name.endsWith(".test.ts"))
    .map((f) => f.name)
    .sort();
  for (const name of files) {
    hash.update(`${name}\0`);
    hash.update(await readFile(`${dir}${name}`));
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}
