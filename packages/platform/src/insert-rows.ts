import { type EntitySchema, ReferenceKind } from "@mikro-orm/core";
import type { EntityManager } from "./database.ts";
import { query } from "./sql.ts";

interface InsertPlan {
  table: string;
  properties: { name: string; column: string; json: boolean }[];
}

// Per entity and schema: entities shared by every service (the outbox, the audit log) are written to
// the schema of the ORM at hand, and a process (a test) may hold ORMs of several.
const plans = new WeakMap<object, Map<string, InsertPlan>>();

/**
 * Inserts rows of an entity in one statement with bound parameters, in the transaction of `em`.
 * For write paths where the unit of work's change tracking, and MikroORM inlining every value into
 * the SQL text, cost more than the write itself. Rows hold property names; every column the entity
 * writes must be given (no defaults or hooks run here): its scalar properties, and the key of each
 * many-to-one it holds as a key (`mapToPk`). Generated columns are left to the database.
 */
export async function insertRows<T extends object>(
  em: EntityManager,
  entity: EntitySchema<T>,
  rows: Partial<T>[],
): Promise<void> {
  if (rows.length === 0) return;
  const plan = planOf(em, entity);
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const placeholders = plan.properties.map(({ name, json }) => {
      const value = (row as Record<string, unknown>)[name];
      params.push(json && value !== null && value !== undefined ? JSON.stringify(value) : (value ?? null));
      return `$${params.length}`;
    });
    return `(${placeholders.join(", ")})`;
  });
  const columns = plan.properties.map((p) => `"${p.column}"`).join(", ");
  await query(em, `insert into ${plan.table} (${columns}) values ${tuples.join(", ")}`, params);
}

// biome-ignore lint/suspicious/noExplicitAny: any entity schema
function planOf(em: EntityManager, entity: EntitySchema<any>): InsertPlan {
  const meta = em.getMetadata().get(entity);
  const schema = meta.schema ?? em.config.get("schema");
  let bySchema = plans.get(entity);
  if (!bySchema) {
    bySchema = new Map();
    plans.set(entity, bySchema);
  }
  let plan = bySchema.get(schema ?? "");
  if (!plan) {
    plan = {
      table: schema ? `"${schema}"."${meta.tableName}"` : `"${meta.tableName}"`,
      properties: meta.props
        .filter(
          (prop) =>
            (prop.kind === ReferenceKind.SCALAR ||
              (prop.kind === ReferenceKind.MANY_TO_ONE && prop.mapToPk)) &&
            prop.persist !== false &&
            !prop.generated,
        )
        .map((prop) => ({
          name: prop.name,
          column: prop.fieldNames[0]!,
          json: /^jsonb?$/.test(prop.columnTypes[0] ?? ""),
        })),
    };
    bySchema.set(schema ?? "", plan);
  }
  return plan;
}
