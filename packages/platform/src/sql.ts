import { CompiledQuery } from "kysely";
import type { EntityManager } from "./database.ts";

/**
 * Runs SQL with bound parameters (`$1`, `$2`, …) in the transaction of `em`, if any. Values travel
 * as parameters, never inlined into the text, so large or numerous values cost no quoting.
 */
export async function query<Row = Record<string, unknown>>(
  em: EntityManager,
  text: string,
  params: readonly unknown[] = [],
): Promise<Row[]> {
  const result = await em.getKysely().executeQuery<Row>(CompiledQuery.raw(text, [...params]));
  return result.rows;
}

/** The quoted, schema-qualified name of a table of the ORM's schema. */
export function tableName(em: EntityManager, table: string): string {
  const schema = em.config.get("schema");
  return schema ? `"${schema}"."${table}"` : `"${table}"`;
}
