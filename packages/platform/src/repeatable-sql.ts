import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EntityManager } from "./database.ts";
import { execute, query } from "./sql.ts";

/**
 * What the ORM cannot express (functions, triggers, statistics targets, storage parameters, sequences)
 * lives in SQL files under a service's `migrations/repeatable/`, each object defined once and
 * written to be run again (`create or replace function`, `drop trigger if exists … create trigger`,
 * `create … if not exists`). The migrator applies them after the schema migrations, in name order,
 * in the same transaction; a file runs again only when its content changed (its SHA-256 is kept in
 * `<schema>.schema_repeatables`).
 */
export interface RepeatableSql {
  /** The file's name, e.g. `license-stats.sql`. */
  name: string;
  sql: string;
  checksum: string;
}

/** The folder, under a service's migrations folder, that holds its repeatable SQL files. */
export const repeatableFolder = "repeatable";

/** The table, in each service's schema, that records which content of each file was applied. */
export const repeatableTable = "schema_repeatables";

/** The repeatable SQL files of a migrations folder, in the order they apply (by name). */
export function readRepeatableSql(migrationsFolder: string): RepeatableSql[] {
  const folder = join(migrationsFolder, repeatableFolder);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(folder, name), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/**
 * Applies the files whose content is new or changed, in the transaction of `em` (call it inside
 * `em.transactional`, as the migrator does); answers the names of those it applied. A file is sent
 * as it is written, statements and all, with no parameters.
 */
export async function applyRepeatableSql(
  em: EntityManager,
  schema: string,
  files: readonly RepeatableSql[],
): Promise<string[]> {
  const table = `"${schema}"."${repeatableTable}"`;
  await execute(
    em,
    `create table if not exists ${table} (
       name text primary key,
       checksum text not null,
       applied_at timestamptz not null default now())`,
  );
  const applied = new Map(
    (await query<{ name: string; checksum: string }>(em, `select name, checksum from ${table}`)).map(
      (row) => [row.name, row.checksum],
    ),
  );
  const changed = files.filter((file) => applied.get(file.name) !== file.checksum);
  for (const file of changed) {
    try {
      await execute(em, file.sql);
    } catch (error) {
      throw new Error(`repeatable SQL ${schema}/${file.name} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    await execute(
      em,
      `insert into ${table} (name, checksum, applied_at) values ($1, $2, now())
       on conflict (name) do update set checksum = excluded.checksum, applied_at = excluded.applied_at`,
      [file.name, file.checksum],
    );
  }
  return changed.map((file) => file.name);
}
