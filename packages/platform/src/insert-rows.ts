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
  await insertRowsOfEach(em, [rowsOf(entity, rows)]);
}

/** Rows of one entity, for insertRowsOfEach: made by rowsOf, which checks them against it. */
export interface RowsOf {
  // biome-ignore lint/suspicious/noExplicitAny: any entity schema (rowsOf checked the rows)
  entity: EntitySchema<any>;
  rows: object[];
}

/** Rows of `entity`, for insertRowsOfEach. */
export function rowsOf<T extends object>(entity: EntitySchema<T>, rows: Partial<T>[]): RowsOf {
  return { entity, rows };
}

/** Parameters one statement may carry (the protocol counts them in 16 bits). */
const MAX_PARAMS = 65_535;

/**
 * Inserts rows of several entities (see insertRows) in one statement, each table's insert a step of
 * it: one round trip to PostgreSQL rather than one per table. Foreign keys are checked, and statement
 * triggers run, at the end of the statement, so rows may refer to rows of another step (a version to
 * its license). More parameters than a statement carries go as one statement per entity.
 */
export async function insertRowsOfEach(em: EntityManager, parts: RowsOf[]): Promise<void> {
  const steps = parts
    .filter((part) => part.rows.length > 0)
    .map((part) => ({ plan: planOf(em, part.entity), rows: part.rows }));
  const params = steps.reduce((sum, step) => sum + step.plan.properties.length * step.rows.length, 0);
  if (params > MAX_PARAMS && steps.length > 1) {
    for (const step of steps) await insertStatement(em, [step]);
  } else if (steps.length > 0) {
    await insertStatement(em, steps);
  }
}

async function insertStatement(em: EntityManager, steps: { plan: InsertPlan; rows: object[] }[]) {
  const params: unknown[] = [];
  const inserts = steps.map(({ plan, rows }) => {
    const tuples = rows.map((row) => {
      const placeholders = plan.properties.map(({ name, json }) => {
        const value = (row as Record<string, unknown>)[name];
        params.push(json && value !== null && value !== undefined ? JSON.stringify(value) : (value ?? null));
        return `$${params.length}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    const columns = plan.properties.map((p) => `"${p.column}"`).join(", ");
    return `insert into ${plan.table} (${columns}) values ${tuples.join(", ")}`;
  });
  const last = inserts.pop()!;
  const before = inserts.map((insert, i) => `step${i} as (${insert})`).join(", ");
  await query(em, before ? `with ${before} ${last}` : last, params);
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
