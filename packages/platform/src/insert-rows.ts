import { type EntitySchema, ReferenceKind } from "@mikro-orm/core";
import type { EntityManager } from "./database.ts";
import { query } from "./sql.ts";

interface InsertPlan {
  table: string;
  columns: InsertColumn[];
}

/** A column the rows are written to, with its SQL type and how its values travel. */
interface InsertColumn {
  name: string;
  column: string;
  type: string;
  encode: "plain" | "json" | "array";
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
 * COMMIT would make three).
 */
export async function insertRowsTogether(em: EntityManager, sets: EntityRows[]): Promise<void> {
  const parts = sets
    .filter((set) => set.rows.length > 0)
    .map((set) => ({ plan: planOf(em, set.entity), rows: set.rows as Record<string, unknown>[] }));
  if (parts.length === 0) return;
  const values = parts.reduce((sum, { plan, rows }) => sum + plan.columns.length * rows.length, 0);
  const { inserts, params } = values <= maxPlaceholders ? placeholderInserts(parts) : arrayInserts(parts);
  const main = inserts.pop()!;
  const withClauses = inserts.map((insert, i) => `w${i} as (${insert})`);
  const transaction = em.getTransactionContext() as object | undefined;
  await query(em, withClauses.length > 0 ? `with ${withClauses.join(", ")} ${main}` : main, params);
  for (const set of sets) set.written?.(transaction);
}

type Part = { plan: InsertPlan; rows: Record<string, unknown>[] };

/**
 * Up to this many values, a statement binds each in a placeholder of its own (`values ($1, $2, …)`);
 * past it, each column's values as one array (`select unnest($1::text[]), …`). PostgreSQL parses
 * and plans a short list of placeholders faster than it unnests arrays (one license's four rows, 74
 * values: 0.7 ms against 1.0), but planning that list grows faster than its length (a batch of 100
 * licenses, 7,400 values: 30 ms against 16), and a statement cannot bind more than 65,535. The two
 * cost the same at 10–15 licenses (issue 20, docs/benchmarks.md).
 */
const maxPlaceholders = 1_000;

function placeholderInserts(parts: Part[]): { inserts: string[]; params: unknown[] } {
  const params: unknown[] = [];
  const inserts = parts.map(({ plan, rows }) => {
    const tuples = rows.map((row) => {
      const placeholders = plan.columns.map((column) => {
        params.push(encode(column, row[column.name]));
        return `$${params.length}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    return `insert into ${plan.table} (${columnList(plan)}) values ${tuples.join(", ")}`;
  });
  return { inserts, params };
}

// The unnests of a select list run in step, a row at a time (where unnest in FROM would first copy
// each column into a store of its own). An array column goes as the text of each row's array, cast
// back: an array of arrays would be one two-dimensional array, which unnest flattens.
function arrayInserts(parts: Part[]): { inserts: string[]; params: unknown[][] } {
  const params: unknown[][] = [];
  const inserts = parts.map(({ plan, rows }) => {
    const unnested = plan.columns.map((column) => {
      params.push(rows.map((row) => encode(column, row[column.name])));
      return column.encode === "array"
        ? `unnest($${params.length}::text[])::${column.type}`
        : `unnest($${params.length}::${column.type}[])`;
    });
    return `insert into ${plan.table} (${columnList(plan)}) select ${unnested.join(", ")}`;
  });
  return { inserts, params };
}

function columnList(plan: InsertPlan): string {
  return plan.columns.map((column) => `"${column.column}"`).join(", ");
}

/** A row's value as a parameter, or an element of its column's array, carries it. */
function encode(column: InsertColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column.encode === "json") return JSON.stringify(value);
  if (column.encode === "array") return arrayText(value as unknown[]);
  return value;
}

/** The text of a one-dimensional array of text, as PostgreSQL reads it. */
function arrayText(values: readonly unknown[]): string {
  const elements = values.map((value) =>
    value === null || value === undefined ? "NULL" : `"${String(value).replace(/[\\"]/g, "\\$&")}"`,
  );
  return `{${elements.join(",")}}`;
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
      columns: meta.props
        .filter(
          (prop) =>
            (prop.kind === ReferenceKind.SCALAR ||
              (prop.kind === ReferenceKind.MANY_TO_ONE && prop.mapToPk)) &&
            prop.persist !== false &&
            !prop.generated,
        )
        .map((prop) => {
          const type = prop.columnTypes[0]!;
          const encode = /^jsonb?$/.test(type) ? "json" : type.endsWith("[]") ? "array" : "plain";
          return { name: prop.name, column: prop.fieldNames[0]!, type, encode } as const;
        }),
    };
    bySchema.set(schema ?? "", plan);
  }
  return plan;
}
