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

/** Rows of one entity to insert (insertRowsTogether), by property name as insertRows takes them. */
export interface EntityRows {
  // biome-ignore lint/suspicious/noExplicitAny: any entity schema
  entity: EntitySchema<any>;
  rows: object[];
  /**
   * Called once the rows are written: with the caller's transaction, whose commit stores them, or
   * with none once insertRowsTogether has committed them itself (it was given no transaction).
   */
  written?: (transaction: object | undefined) => void;
}

// PostgreSQL's bind message counts parameters in 16 bits.
const maxParameters = 65_535;

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
  await insertRowsTogether(em, [{ entity, rows }]);
}

/**
 * Inserts the rows of several entities (as insertRows) in one statement, each table's rows a
 * data-modifying WITH clause: one round trip for all, where each table would cost one (a license's
 * four tables). Constraints are checked at the end of the statement, so a row may refer to one
 * inserted beside it; triggers must not read the other tables' new rows. All the rows go in or
 * none: given no transaction, the statement commits on its own (one round trip where BEGIN and
 * COMMIT would make three). Rows past the 65,535 parameters a statement can bind go in as several
 * statements, in the order given, inside the caller's transaction or one of their own.
 */
export async function insertRowsTogether(em: EntityManager, sets: EntityRows[]): Promise<void> {
  const parts = sets
    .filter((set) => set.rows.length > 0)
    .map((set) => ({ plan: planOf(em, set.entity), rows: set.rows as Record<string, unknown>[] }));
  if (parts.length === 0) return;
  const parameters = parts.reduce((sum, part) => sum + part.plan.properties.length * part.rows.length, 0);
  const transaction = em.getTransactionContext() as object | undefined;
  if (parameters <= maxParameters) await insertStatement(em, parts);
  else if (transaction) await insertStatements(em, parts);
  else await em.transactional((inner) => insertStatements(inner, parts));
  for (const set of sets) set.written?.(transaction);
}

async function insertStatements(
  em: EntityManager,
  parts: { plan: InsertPlan; rows: Record<string, unknown>[] }[],
): Promise<void> {
  for (const { plan, rows } of parts) {
    const perStatement = Math.floor(maxParameters / plan.properties.length);
    for (let start = 0; start < rows.length; start += perStatement)
      await insertStatement(em, [{ plan, rows: rows.slice(start, start + perStatement) }]);
  }
}

async function insertStatement(
  em: EntityManager,
  parts: { plan: InsertPlan; rows: Record<string, unknown>[] }[],
): Promise<void> {
  const params: unknown[] = [];
  const inserts = parts.map(({ plan, rows }) => {
    const tuples = rows.map((row) => {
      const placeholders = plan.properties.map(({ name, json }) => {
        const value = row[name];
        params.push(json && value !== null && value !== undefined ? JSON.stringify(value) : (value ?? null));
        return `$${params.length}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    const columns = plan.properties.map((p) => `"${p.column}"`).join(", ");
    return `insert into ${plan.table} (${columns}) values ${tuples.join(", ")}`;
  });
  const main = inserts.pop()!;
  const withClauses = inserts.map((insert, i) => `w${i} as (${insert})`);
  await query(em, withClauses.length > 0 ? `with ${withClauses.join(", ")} ${main}` : main, params);
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
