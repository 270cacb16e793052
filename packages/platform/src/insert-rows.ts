import type { EntitySchema } from "@mikro-orm/core";
import type { EntityManager } from "./database.ts";

/**
 * Inserts rows of an entity in one statement, through Kysely with bound parameters, in the
 * transaction of `em`. For write paths where the unit of work's change tracking (and MikroORM
 * inlining every value into the SQL text) costs more than the write itself.
 */
export async function insertRows<T extends object>(
  em: EntityManager,
  entity: EntitySchema<T>,
  rows: Partial<T>[],
): Promise<void> {
  if (rows.length === 0) return;
  const kysely = em.getKysely({
    tableNamingStrategy: "entity",
    columnNamingStrategy: "property",
    convertValues: true,
  });
  const schema = entity.meta.schema ?? em.config.get("schema");
  await (schema ? kysely.withSchema(schema) : kysely)
    .insertInto(entity.meta.className as never)
    .values(rows as never)
    .execute();
}
