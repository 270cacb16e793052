import { createTestEnv, type TestEnv } from "@licensing/testing";
import {
  defineEntity,
  NotNullConstraintViolationException,
  p,
  UniqueConstraintViolationException,
} from "@mikro-orm/core";
import { Migration } from "@mikro-orm/migrations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EntityManager,
  execute,
  insertRows,
  insertRowsTogether,
  type Orm,
  openDatabase,
  query,
  type SqlTarget,
} from "../src/index.ts";

// The platform's raw SQL (sql.ts, insert-rows.ts) against a schema of its own.

// Every kind of column the services write with insertRows, read back as PostgreSQL stored it.
const Sample = defineEntity({
  name: "Sample",
  tableName: "samples",
  properties: {
    id: p.text().primary(),
    note: p.text().nullable(),
    count: p.integer(),
    big: p.bigint().nullable(),
    ratio: p.double().nullable(),
    done: p.boolean(),
    at: p.datetime(),
    tags: p.array(),
    sealed: p.blob().nullable(),
    details: p.json<unknown>().nullable(),
  },
});

// A row that refers to a sample, for rows of two tables written together.
const Child = defineEntity({
  name: "Child",
  tableName: "children",
  properties: {
    id: p.text().primary(),
    sampleId: p.text(),
    label: p.text(),
  },
});

// A table of plain text, for query and execute.
const Note = defineEntity({
  name: "Note",
  tableName: "notes",
  properties: { id: p.text().primary(), body: p.text() },
});

class Samples extends Migration {
  override up(): void {
    this.addSql(`create table "samples" (
      "id" text primary key, "note" text null, "count" int not null, "big" bigint null,
      "ratio" double precision null, "done" boolean not null, "at" timestamptz not null,
      "tags" text[] not null, "sealed" bytea null, "details" jsonb null,
      "id_length" int generated always as (length(id)) stored)`);
    this.addSql(`create table "children" (
      "id" text primary key, "sample_id" text not null references "samples" ("id"), "label" text not null)`);
    this.addSql(`create table "notes" ("id" text primary key, "body" text not null)`);
  }
}

let env: TestEnv;
let orm: Orm;
beforeAll(async () => {
  env = await createTestEnv();
  orm = await openDatabase({
    url: env.databaseUrl,
    schema: "probe_rows",
    entities: [Sample, Child, Note],
    migrations: [{ name: "samples", class: Samples }],
    folder: import.meta.dirname,
    log: env.log,
  });
});
afterAll(async () => {
  await orm?.close();
  await env?.stop();
});

const at = new Date("2026-12-05T17:30:00.123Z");
const full = {
  id: "s1",
  note: 'quotes " and \\ backslashes, a newline\n, {braces}, ünïcödé and 😀',
  count: -7,
  big: 9007199254740993n,
  ratio: 0.1,
  done: true,
  at,
  tags: ["a", "b,c", 'd"e', "", "NULL", "back\\slash", "{braces}", " spaced "],
  sealed: Buffer.from([0, 1, 254, 255]),
  details: { nested: [1, "two", null, { three: true }], text: 'x "quoted", \\ {}' },
};

const stored = (id: string) =>
  query<Record<string, unknown>>(
    orm,
    `select id, note, count, big::text as big, ratio, done, to_json(at)#>>'{}' as at, tags,
            encode(sealed, 'hex') as sealed, details, id_length
       from probe_rows.samples where id = any($1) order by id`,
    [[id]],
  );

// Up to 1,000 values a statement binds each in a placeholder; past that, each column as an array.
// Both must store every value alike: the rows under test, then filler rows past the bound.
describe.each([
  ["a few rows, a placeholder a value", "p-", 0],
  ["past 1,000 values, an array a column", "a-", 100],
])("insertRows, %s", (_, prefix, fillers) => {
  let statements = 0;
  // Fresh filler rows for each statement, so that only the rows under test can make it fail.
  const insert = (rows: Record<string, unknown>[]) => {
    const batch = ++statements;
    const filler = Array.from({ length: fillers }, (_, i) => ({
      ...full,
      id: `${prefix}filler-${batch}-${i}`,
    }));
    return orm.em.fork().transactional((em) => insertRows(em, Sample, [...rows, ...filler]));
  };

  it("stores each value as its column's type, many rows in one statement", async () => {
    const rows = [
      { ...full, id: `${prefix}s1` },
      {
        id: `${prefix}s2`,
        note: null,
        count: 0,
        big: null,
        ratio: null,
        done: false,
        at,
        tags: [],
        sealed: null,
        details: null,
      },
      { ...full, id: `${prefix}s3`, details: "a JSON string", note: undefined },
      { ...full, id: `${prefix}s4`, note: "a lone \ud800 surrogate", tags: ["\udc00"] },
    ];
    await insert(rows);
    expect(await stored(`${prefix}s1`)).toEqual([
      {
        id: `${prefix}s1`,
        note: full.note,
        count: -7,
        big: "9007199254740993",
        ratio: 0.1,
        done: true,
        at: "2026-12-05T17:30:00.123+00:00",
        tags: full.tags,
        sealed: "0001feff",
        details: full.details,
        id_length: 4,
      },
    ]);
    expect(await stored(`${prefix}s2`)).toEqual([
      expect.objectContaining({ note: null, big: null, ratio: null, done: false, tags: [], sealed: null }),
    ]);
    expect((await stored(`${prefix}s2`))[0]!.details).toBeNull();
    expect(await stored(`${prefix}s3`)).toEqual([
      expect.objectContaining({ note: null, details: "a JSON string" }),
    ]);
    // The driver writes text as UTF-8, where a lone surrogate becomes U+FFFD.
    expect(await stored(`${prefix}s4`)).toEqual([
      expect.objectContaining({ note: "a lone \ufffd surrogate", tags: ["\ufffd"] }),
    ]);
  });

  it("refuses an invalid Date or text PostgreSQL cannot hold, and writes none of the rows", async () => {
    const attempt = (row: Record<string, unknown>) =>
      insert([
        { ...full, id: `${prefix}ok` },
        { ...full, ...row },
      ]);
    await expect(attempt({ id: `${prefix}bad-date`, at: new Date("not a date") })).rejects.toThrow();
    await expect(attempt({ id: `${prefix}nul`, note: "a\u0000b" })).rejects.toThrow();
    await expect(attempt({ id: `${prefix}nul-tag`, tags: ["a\u0000b"] })).rejects.toThrow();
    const ids = ["ok", "bad-date", "nul", "nul-tag"].map((id) => `${prefix}${id}`);
    expect(await query(orm, "select id from probe_rows.samples where id = any($1)", [ids])).toEqual([]);
    expect(
      await query(orm, "select id from probe_rows.samples where id like $1", [
        `${prefix}filler-${statements}-%`,
      ]),
    ).toEqual([]);
  });
});

describe("insertRowsTogether", () => {
  const sample = (id: string) => ({ ...full, id, details: null, sealed: null });
  const count = async (table: string, prefix: string) =>
    Number(
      (
        await query<{ n: string }>(orm, `select count(*) as n from probe_rows.${table} where id like $1`, [
          `${prefix}%`,
        ])
      )[0]!.n,
    );

  it("writes rows of several tables in one statement: a child beside its parent, or none of them", async () => {
    await insertRowsTogether(orm.em.fork(), [
      { entity: Sample, rows: [sample("t-parent")] },
      { entity: Child, rows: [{ id: "t-child", sampleId: "t-parent", label: "beside its parent" }] },
    ]);
    expect(
      await query(orm, "select id, sample_id, label from probe_rows.children where id = 't-child'"),
    ).toEqual([{ id: "t-child", sample_id: "t-parent", label: "beside its parent" }]);
    // Outside a transaction each statement commits on its own: had the samples gone in first, the
    // failing child would have left them behind.
    const refused = insertRowsTogether(orm.em.fork(), [
      { entity: Sample, rows: [sample("u-parent")] },
      { entity: Child, rows: [{ id: "u-child", sampleId: "u-parent", label: "a\u0000b" }] },
    ]);
    await expect(refused).rejects.toThrow();
    const orphan = insertRowsTogether(orm.em.fork(), [
      { entity: Sample, rows: [sample("v-parent")] },
      { entity: Child, rows: [{ id: "v-child", sampleId: "no such sample", label: "orphan" }] },
    ]);
    await expect(orphan).rejects.toThrow(/foreign key/);
    expect((await count("samples", "u-")) + (await count("samples", "v-"))).toBe(0);
  });

  it("stores rows alike at the bound between the two shapes (1,000 values) and one row past it", async () => {
    // Ten columns a sample: 100 of them are 1,000 values, each a placeholder; 101, an array a column.
    for (const [prefix, length] of [
      ["at-", 100],
      ["past-", 101],
    ] as const) {
      const rows = Array.from({ length }, (_, i) => ({ ...full, id: `${prefix}${i}` }));
      await orm.em.fork().transactional((em) => insertRowsTogether(em, [{ entity: Sample, rows }]));
      expect(await count("samples", prefix)).toBe(length);
      const [last] = await stored(`${prefix}${length - 1}`);
      expect(last).toEqual(
        expect.objectContaining({ note: full.note, tags: full.tags, details: full.details }),
      );
    }
  });

  it("writes rows past what a placeholder a value could bind (65,535) in one statement", async () => {
    // Ten columns a sample: 6,600 of them would have needed 66,000 placeholders, their children 300
    // more; as one array a column, the statement binds 13.
    const samples = Array.from({ length: 6_600 }, (_, i) => sample(`w-${i}`));
    const children = Array.from({ length: 100 }, (_, i) => ({
      id: `w-child-${i}`,
      sampleId: `w-${6_599 - i}`,
      label: "after the last statement of samples",
    }));
    await orm.em.fork().transactional((em) =>
      insertRowsTogether(em, [
        { entity: Sample, rows: samples },
        { entity: Child, rows: children },
      ]),
    );
    expect(await count("samples", "w-")).toBe(6_600);
    expect(await count("children", "w-child-")).toBe(100);
  });

  it("past that many values with no transaction given, commits all of them or none", async () => {
    const samples = Array.from({ length: 6_600 }, (_, i) => sample(`x-${i}`));
    // Told once the rows are written: with the transaction whose commit stores them, or with none
    // once committed; never for rows refused.
    const written: (object | undefined)[] = [];
    const refused = insertRowsTogether(orm.em.fork(), [
      { entity: Sample, rows: samples, written: (transaction) => written.push(transaction) },
      { entity: Child, rows: [{ id: "x-child", sampleId: "x-0", label: "a\u0000b" }] },
    ]);
    await expect(refused).rejects.toThrow();
    expect([await count("samples", "x-"), written]).toEqual([0, []]);
    await insertRowsTogether(orm.em.fork(), [
      { entity: Sample, rows: samples, written: (transaction) => written.push(transaction) },
      { entity: Child, rows: [{ id: "x-child", sampleId: "x-0", label: "fine" }] },
    ]);
    expect([await count("samples", "x-"), await count("children", "x-child"), written]).toEqual([
      6_600,
      1,
      [undefined],
    ]);
    const inside = await orm.em.fork().transactional(async (em) => {
      await insertRowsTogether(em, [
        {
          entity: Child,
          rows: [{ id: "x-child-2", sampleId: "x-0", label: "in" }],
          written: (transaction) => written.push(transaction),
        },
      ]);
      return em.getTransactionContext();
    });
    expect(written).toHaveLength(2);
    expect(written[1]).toBe(inside);
  });
});

// A statement runs on a connection of the pool given the Orm or an EntityManager outside a
// transaction, and on the transaction's own connection inside one: each path answers alike.
const targets: [string, (work: (on: SqlTarget) => Promise<unknown>) => Promise<unknown>][] = [
  ["the Orm", (work) => work(orm)],
  ["an EntityManager outside a transaction", (work) => work(orm.em.fork())],
  [
    "an EntityManager in a transaction",
    (work) => orm.em.fork().transactional((em: EntityManager) => work(em)),
  ],
];

describe.each(targets)("SQL run on %s", (name, on) => {
  const id = (n: number) => `${name}-${n}`;

  it("answers rows as selected, and how many rows a statement changed or returned", async () => {
    expect(
      await on((target) =>
        execute(target, "insert into probe_rows.notes values ($1, $2), ($3, $4)", [id(1), "a", id(2), "b"]),
      ),
    ).toBe(2);
    expect(
      await on((target) => execute(target, "update probe_rows.notes set body = 'c' where id = $1", [id(1)])),
    ).toBe(1);
    expect(
      await on((target) =>
        execute(target, "select id from probe_rows.notes where id like $1", [`${name}-%`]),
      ),
    ).toBe(2);
    expect(
      await on((target) =>
        query(target, "select id, body from probe_rows.notes where id like $1 order by id", [`${name}-%`]),
      ),
    ).toEqual([
      { id: id(1), body: "c" },
      { id: id(2), body: "b" },
    ]);
  });

  it("throws MikroORM's typed errors with PostgreSQL's code, and keeps nothing of a refused statement", async () => {
    const twice = on((target) =>
      execute(target, "insert into probe_rows.notes values ($1, 'x'), ($1, 'y')", [id(3)]),
    );
    await expect(twice).rejects.toBeInstanceOf(UniqueConstraintViolationException);
    await expect(twice).rejects.toMatchObject({ code: "23505" });
    const missing = on((target) =>
      execute(target, "insert into probe_rows.notes values ($1, null)", [id(4)]),
    );
    await expect(missing).rejects.toBeInstanceOf(NotNullConstraintViolationException);
    const nul = on((target) =>
      execute(target, "insert into probe_rows.notes values ($1, $2)", [id(5), "a\u0000b"]),
    );
    await expect(nul).rejects.toMatchObject({ code: "22021" });
    expect(
      await query(orm, "select id from probe_rows.notes where id = any($1)", [[id(3), id(4), id(5)]]),
    ).toEqual([]);
  });
});
