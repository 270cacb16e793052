import { CompiledQuery, type Kysely, type QueryResult } from "kysely";
import type { EntityManager, Orm } from "./database.ts";

// The one way to run SQL by hand (see "Raw SQL" in docs/development.md). Placeholders are `$1`,
// `$2`, …, and values always travel as bound parameters, never inlined into the text: large or
// numerous values cost no quoting, a value is never read as SQL, and PostgreSQL types each
// parameter from its context (cast it, `$1::text[]`, where the context does not say). A JS array is
// a PostgreSQL array; give JSON for a json column as `JSON.stringify(value)`.
//
// Given an EntityManager, a statement runs in its transaction if it has one (inside
// `em.transactional`); given the Orm, on a pooled connection outside any transaction, without the
// cost of forking an EntityManager (for the hot paths). Errors are MikroORM's
// (`UniqueConstraintViolationException`, …), as from the ORM, with PostgreSQL's `code` kept.

/** Where a statement runs: an EntityManager (its transaction, if any) or the Orm (a pooled connection). */
export type SqlTarget = EntityManager | Orm;

/** Values for the `$n` placeholders of a statement, in order. */
export type SqlParams = readonly unknown[];

/**
 * The values of a statement built in pieces (optional filters, cursors): `add(value)` keeps a value
 * and answers its placeholder, to write into the text where the value goes.
 */
export class Params {
  readonly values: unknown[];

  constructor(values: SqlParams = []) {
    this.values = [...values];
  }

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Runs one statement; answers its rows, typed as the caller declares them (column names as selected). */
export async function query<Row extends object = Record<string, unknown>>(
  on: SqlTarget,
  text: string,
  params: SqlParams = [],
): Promise<Row[]> {
  return (await run<Row>(on, text, params)).rows;
}

/** Runs one statement; answers its first row, or undefined when it returned none. */
export async function queryOne<Row extends object = Record<string, unknown>>(
  on: SqlTarget,
  text: string,
  params: SqlParams = [],
): Promise<Row | undefined> {
  return (await run<Row>(on, text, params)).rows[0];
}

/**
 * Runs one statement for its effect; answers how many rows it inserted, updated or deleted (or,
 * for a statement that returns rows, how many it returned).
 */
export async function execute(on: SqlTarget, text: string, params: SqlParams = []): Promise<number> {
  const result = await run(on, text, params);
  return Number(result.numAffectedRows ?? result.rows.length);
}

/** The quoted, schema-qualified name of a table of the ORM's schema (for code shared by services). */
export function tableName(em: EntityManager, table: string): string {
  const schema = em.config.get("schema");
  return schema ? `"${schema}"."${table}"` : `"${table}"`;
}

async function run<Row>(on: SqlTarget, text: string, params: SqlParams): Promise<QueryResult<Row>> {
  const em = "em" in on ? on.em : on;
  const executor: Kysely<unknown> = "em" in on ? on.em.getConnection().getClient() : on.getKysely();
  try {
    return await executor.executeQuery<Row>(CompiledQuery.raw(text, [...params]));
  } catch (error) {
    throw em.getDriver().convertException(error as Error);
  }
}
