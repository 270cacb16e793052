import { userInfo } from "node:os";
import { systemActor } from "@licensing/contracts";
import { recordAudit } from "./audit/record.ts";
import type { Orm } from "./database.ts";
import type { Logger } from "./logger.ts";
import type { SealedBox } from "./sealed-box.ts";
import { execute, query, tableName } from "./sql.ts";

/** One column of sealed values, as the rotation command pages through it and writes it back. */
export interface SealedColumn {
  /** What the counts call it: `license keys`. */
  name: string;
  table: string;
  /** The primary key's columns: the batches follow their order, so a re-run resumes past nothing. */
  keys: readonly string[];
  /** SQL reading the sealed bytes of a row (a column, or an expression over one). */
  read: string;
  /** SQL assignment writing the resealed bytes, `$1`, back (e.g. `key_enc = $1`). */
  write: string;
  /** The context the value was sealed with, from its key columns (in `keys` order). */
  context(key: readonly string[]): string;
}

/** What a rotation did to one column. */
export interface ColumnRotation {
  name: string;
  /** Values read. */
  checked: number;
  /** Values sealed anew under the current KEK. */
  resealed: number;
}

/**
 * Reseals, under the box's current KEK, every value of `columns` not already under it: in batches
 * of `batchSize` rows, each batch in its own transaction with its rows locked (a service writing
 * the same row waits, so no write is lost). Idempotent: values already under the current KEK are
 * left as they are, so a run stopped half-way and started again finishes the job.
 */
export async function rotateSealedColumns(
  orm: Orm,
  box: SealedBox,
  columns: readonly SealedColumn[],
  options: { batchSize?: number; onBatch?: (progress: ColumnRotation) => void } = {},
): Promise<ColumnRotation[]> {
  const batchSize = options.batchSize ?? 500;
  const results: ColumnRotation[] = [];
  for (const column of columns) {
    const progress: ColumnRotation = { name: column.name, checked: 0, resealed: 0 };
    let after: string[] | null = null;
    for (;;) {
      const last: string[] | null = await orm.em.fork().transactional(async (em) => {
        const keyList = column.keys.map((key) => `"${key}"`).join(", ");
        const keyAfter = after
          ? `WHERE (${keyList}) > (${column.keys.map((_, i) => `$${i + 2}`).join(", ")})`
          : "";
        const rows = await query<{ keys: string[]; sealed: Buffer | null }>(
          em,
          `SELECT ARRAY[${keyList}]::text[] AS keys, ${column.read} AS sealed
             FROM ${tableName(em, column.table)} ${keyAfter}
            ORDER BY ${keyList} LIMIT $1 FOR UPDATE`,
          [batchSize, ...(after ?? [])],
        );
        for (const row of rows) {
          if (row.sealed === null) continue;
          progress.checked++;
          if (box.isCurrent(row.sealed)) continue;
          const context = column.context(row.keys);
          const resealed = box.seal(box.open(row.sealed, context), context);
          const match = column.keys.map((key, i) => `"${key}" = $${i + 2}`).join(" AND ");
          await execute(em, `UPDATE ${tableName(em, column.table)} SET ${column.write} WHERE ${match}`, [
            resealed,
            ...row.keys,
          ]);
          progress.resealed++;
        }
        return rows.length < batchSize ? null : rows[rows.length - 1]!.keys;
      });
      options.onBatch?.({ ...progress });
      if (last === null) break;
      after = last;
    }
    results.push(progress);
  }
  return results;
}

/**
 * The rotation command of a service (`npm run kek:rotate`): reseals its columns, prints a line per
 * batch and the counts, and logs the counts (never a value) as its record of the rotation.
 */
export async function runKekRotation(options: {
  orm: Orm;
  box: SealedBox;
  columns: readonly SealedColumn[];
  log: Logger;
  batchSize?: number;
}): Promise<ColumnRotation[]> {
  const { box, log } = options;
  console.log(`Resealing under the current KEK (id ${box.currentKeyId})…`);
  const results = await rotateSealedColumns(options.orm, box, options.columns, {
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    onBatch: (progress) =>
      console.log(`  ${progress.name}: ${progress.checked} checked, ${progress.resealed} resealed`),
  });
  for (const result of results) {
    console.log(`${result.name}: ${result.resealed} resealed of ${result.checked}`);
  }
  log.warn(
    { kekId: box.currentKeyId, rotation: results },
    "kek rotation: sealed values resealed under the current KEK",
  );
  // The service's audit log records the rotation too: when, by which OS user, what it resealed.
  await recordAudit(options.orm.em.fork(), {
    action: "kek.rotated",
    entityType: "kek",
    entityId: box.currentKeyId,
    actor: systemActor,
    reason: `npm run kek:rotate by ${osUser()}`,
    changes: Object.fromEntries(
      results.map((r) => [r.name, [null, { checked: r.checked, resealed: r.resealed }]] as const),
    ),
  });
  return results;
}

function osUser(): string {
  try {
    return `os:${userInfo().username}`;
  } catch {
    return "an unknown OS user";
  }
}
