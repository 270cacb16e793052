import { randomBytes } from "node:crypto";
import { databaseUrlFor, dropDatabase, ensureDatabase } from "@licensing/deploy/local-infra";
import {
  type DatabaseDefinition,
  type EntityManager,
  execute,
  type Logger,
  type Orm,
  openDatabase,
  ormOptions,
  pendingSchemaChanges,
  query,
} from "@licensing/platform";
import { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "./test-env.ts";

/**
 * What the ORM would change to make the live schema match the entities: the statements of the
 * schema generator's update diff for the definition's schema (none when they agree).
 */
export async function schemaDifferences(orm: Orm, schema: string): Promise<string[]> {
  const sql = await orm.schema.getUpdateSchemaSQL({ wrap: false, schema });
  return sql
    .split(/;\n/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/** What a migration generated now would hold (entities against the snapshot); none when up to date. */
export async function missingMigration(definition: DatabaseDefinition, log: Logger): Promise<string[]> {
  const orm = new MikroORM(ormOptions({ ...definition, url: "postgresql://offline/offline", log }));
  try {
    return await pendingSchemaChanges(orm);
  } finally {
    await orm.close();
  }
}

/**
 * Opens the definition's schema migrated as an older release left it: the migrations up to and
 * including `upTo`, without the repeatable SQL files (which that release did not have). Seed it,
 * close it, then open it with `openDatabase` to play an upgrade.
 */
export async function openAsBefore(
  definition: DatabaseDefinition & { url: string; log: Logger },
  upTo: string,
): Promise<Orm> {
  if (!definition.migrations.some((m) => m.name === upTo)) throw new Error(`no migration ${upTo}`);
  const orm = new MikroORM(ormOptions(definition));
  await execute(orm, `create schema if not exists "${definition.schema}"`);
  await orm.migrator.up({ to: upTo });
  return orm;
}

/** A database of its own beside the test file's, dropped by `drop()`. */
export async function scratchDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `test_${randomBytes(5).toString("hex")}`;
  await ensureDatabase(adminUrl, name);
  return { url: databaseUrlFor(adminUrl, name), drop: () => dropDatabase(adminUrl, name) };
}

/** Every row of every table of a schema, as text, by table; only the columns named (else all). */
export type TableContents = Record<string, string[]>;

/**
 * The contents of each table of `schema` (bookkeeping tables aside), each row as the text of the
 * given columns in a stable order, to compare a schema before and after an upgrade. Pass the
 * columns of the "before" contents to compare only what existed then.
 */
export async function tableContents(
  em: EntityManager | Orm,
  schema: string,
  columnsOf?: Record<string, string[]>,
): Promise<{ rows: TableContents; columns: Record<string, string[]> }> {
  const found = await query<{ table_name: string; columns: string[] }>(
    em,
    `select table_name, array_agg(column_name::text order by ordinal_position) as columns
     from information_schema.columns
     where table_schema = $1 and table_name not in ('schema_migrations', 'schema_repeatables')
       -- A partition's rows are its parent table's, compared there.
       and not exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                       where n.nspname = table_schema and c.relname = table_name and c.relispartition)
     group by table_name order by table_name`,
    [schema],
  );
  const rows: TableContents = {};
  const columns: Record<string, string[]> = {};
  for (const table of found) {
    // Given the columns an older release had, a table it did not have is not compared: an upgrade
    // makes it, and what it holds is the migration's own business (its test says what it should be).
    if (columnsOf && !Object.hasOwn(columnsOf, table.table_name)) continue;
    const names = columnsOf ? columnsOf[table.table_name]! : table.columns;
    columns[table.table_name] = names;
    const list = names.map((name) => `"${name}"`).join(", ");
    const result = await query<{ row: string }>(
      em,
      `select row(${list})::text as row from "${schema}"."${table.table_name}" order by 1`,
    );
    rows[table.table_name] = result.map((r) => r.row);
  }
  return { rows, columns };
}

/**
 * What the ORM does not compare but the schema holds (functions, triggers, index definitions,
 * statistics targets, storage settings, sequences, constraints), as text: equal for two databases
 * whose schemas were built alike, however they got there.
 */
export async function schemaObjects(
  em: EntityManager | Orm,
  schema: string,
): Promise<Record<string, string[]>> {
  const list = async (sql: string) => (await query<{ x: string }>(em, sql, [schema])).map((r) => r.x);
  return {
    functions: await list(
      `select pg_get_functiondef(p.oid) as x from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = $1 order by p.proname`,
    ),
    triggers: await list(
      `select pg_get_triggerdef(t.oid) as x from pg_trigger t join pg_class c on c.oid = t.tgrelid
       join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and not t.tgisinternal order by 1`,
    ),
    indexes: await list(
      `select indexdef as x from pg_indexes where schemaname = $1 and tablename not in ('schema_repeatables')
       order by indexname`,
    ),
    constraints: await list(
      `select c.conrelid::regclass || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) as x
       from pg_constraint c join pg_namespace n on n.oid = c.connamespace
       where n.nspname = $1 and c.conrelid <> 0 and c.conrelid::regclass::text not like '%schema_repeatables'
       order by 1`,
    ),
    statistics: await list(
      `select c.relname || '.' || a.attnum || ' ' || a.attstattarget as x
       from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = $1 and a.attnum > 0 and a.attstattarget is not null and a.attstattarget >= 0
       order by 1`,
    ),
    storage: await list(
      `select c.relname || ' ' || coalesce(array_to_string(c.reloptions, ','), '') || ' '
         || coalesce((select string_agg(a.attname || '=' || a.attstorage::text, ',' order by a.attnum)
                      from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '') as x
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = $1 and c.relkind = 'r' and c.relname not in ('schema_migrations', 'schema_repeatables')
       order by 1`,
    ),
    sequences: await list(
      `select c.relname as x from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = $1 and c.relkind = 'S' and c.relname not like 'schema_migrations%' order by 1`,
    ),
  };
}

/** The schema tests every service runs (see schemaTests). */
export interface SchemaSuite {
  definition: DatabaseDefinition;
  /**
   * The last migration of the releases whose schema was written by hand, before the entities
   * became the schema: databases made by them (npm start's `.data/`, CI's) must upgrade.
   */
  before: string;
  /** Writes realistic rows into every table of the schema as `before` left it. */
  seed(em: EntityManager): Promise<void>;
  /**
   * Tables a later migration replaced, moving their rows into another (old → new): the new table
   * holds as many rows as the old one did, and the old one is gone.
   */
  moved?: Record<string, string>;
}

/**
 * The entities are the schema: a freshly migrated database shows the ORM no difference, no change
 * to the entities waits for its migration, and a database of the release before upgrades with
 * every row kept and then shows no difference either (nor in what the ORM does not compare).
 */
export function schemaTests(suite: SchemaSuite): void {
  const { definition, before, seed } = suite;
  const moved = suite.moved ?? {};
  const { schema } = definition;
  let env: TestEnv;
  let fresh: Orm;
  beforeAll(async () => {
    env = await createTestEnv();
    fresh = await openDatabase({ ...definition, url: env.databaseUrl, log: env.log });
  });
  afterAll(async () => {
    await fresh?.close();
    await env?.stop();
  });

  describe(`the ${schema} schema`, () => {
    it("is what the entities say once freshly migrated: the ORM sees no difference", async () => {
      expect(await schemaDifferences(fresh, schema)).toEqual([]);
    });

    it("has every change of the entities in a migration (the snapshot is the entities)", async () => {
      expect(await missingMigration(definition, env.log)).toEqual([]);
    });

    it(`upgrades a database made by the migrations up to ${before} with its data intact`, async () => {
      const scratch = await scratchDatabase(env.adminDatabaseUrl);
      try {
        const old = await openAsBefore({ ...definition, url: scratch.url, log: env.log }, before);
        let contents: Awaited<ReturnType<typeof tableContents>>;
        try {
          await old.em.fork().transactional((em) => seed(em));
          contents = await tableContents(old, schema);
        } finally {
          await old.close();
        }
        const empty = Object.entries(contents.rows).filter(([, rows]) => rows.length === 0);
        expect(
          empty.map(([table]) => table),
          "tables the seed left empty",
        ).toEqual([]);

        const upgraded = await openDatabase({ ...definition, url: scratch.url, log: env.log });
        try {
          // Every row kept; a table a later migration added starts empty.
          const after = (await tableContents(upgraded, schema, contents.columns)).rows;
          for (const [from, to] of Object.entries(moved)) {
            expect(after[from], `${from} moved into ${to}`).toBeUndefined();
            const [count] = await query<{ n: number }>(
              upgraded,
              `select count(*)::int as n from "${schema}"."${to}"`,
            );
            expect(count?.n, `${from}'s rows in ${to}`).toBe(contents.rows[from]?.length);
            delete contents.rows[from];
          }
          const added = Object.keys(after).filter((table) => !(table in contents.rows));
          expect(Object.fromEntries(added.map((table) => [table, after[table]]))).toEqual(
            Object.fromEntries(added.map((table) => [table, []])),
          );
          expect(
            Object.fromEntries(Object.entries(after).filter(([table]) => !added.includes(table))),
          ).toEqual(contents.rows);
          expect(await schemaDifferences(upgraded, schema)).toEqual([]);
          expect(await schemaObjects(upgraded, schema)).toEqual(await schemaObjects(fresh, schema));
        } finally {
          await upgraded.close();
        }
      } finally {
        await scratch.drop();
      }
    });
  });
}
