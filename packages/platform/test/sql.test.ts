import { createTestEnv, type TestEnv } from "@licensing/testing";
import {
  defineEntity,
  NotNullConstraintViolationException,
  p,
  UniqueConstraintViolationException,
} from "@mikro-orm/core";
import { Migration } from "@mikro-orm/migrations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EntityManager, execute, type Orm, openDatabase, query, type SqlTarget } from "../src/index.ts";

const Note = defineEntity({
  name: "Note",
  tableName: "notes",
  properties: { id: p.text().primary(), body: p.text() },
});

class Notes extends Migration {
  override up(): void {
    this.addSql(`create table "notes" ("id" text primary key, "body" text not null)`);
  }
}

let env: TestEnv;
let orm: Orm;
beforeAll(async () => {
  env = await createTestEnv();
  orm = await openDatabase({
    url: env.databaseUrl,
    schema: "probe_sql",
    entities: [Note],
    migrations: [{ name: "notes", class: Notes }],
    folder: import.meta.dirname,
    log: env.log,
  });
});
afterAll(async () => {
  await orm?.close();
  await env?.stop();
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
        execute(target, "insert into probe_sql.notes values ($1, $2), ($3, $4)", [id(1), "a", id(2), "b"]),
      ),
    ).toBe(2);
    expect(
      await on((target) => execute(target, "update probe_sql.notes set body = 'c' where id = $1", [id(1)])),
    ).toBe(1);
    expect(
      await on((target) => execute(target, "select id from probe_sql.notes where id like $1", [`${name}-%`])),
    ).toBe(2);
    expect(
      await on((target) =>
        query(target, "select id, body from probe_sql.notes where id like $1 order by id", [`${name}-%`]),
      ),
    ).toEqual([
      { id: id(1), body: "c" },
      { id: id(2), body: "b" },
    ]);
  });

  it("throws MikroORM's typed errors with PostgreSQL's code, and keeps nothing of a refused statement", async () => {
    const twice = on((target) =>
      execute(target, "insert into probe_sql.notes values ($1, 'x'), ($1, 'y')", [id(3)]),
    );
    await expect(twice).rejects.toBeInstanceOf(UniqueConstraintViolationException);
    await expect(twice).rejects.toMatchObject({ code: "23505" });
    const missing = on((target) => execute(target, "insert into probe_sql.notes values ($1, null)", [id(4)]));
    await expect(missing).rejects.toBeInstanceOf(NotNullConstraintViolationException);
    const nul = on((target) =>
      execute(target, "insert into probe_sql.notes values ($1, $2)", [id(5), "a\u0000b"]),
    );
    await expect(nul).rejects.toMatchObject({ code: "22021" });
    expect(
      await query(orm, "select id from probe_sql.notes where id = any($1)", [[id(3), id(4), id(5)]]),
    ).toEqual([]);
  });
});
