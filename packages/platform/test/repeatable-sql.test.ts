import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import type { MigrationObject } from "@mikro-orm/core";
import { Migration } from "@mikro-orm/migrations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DatabaseDefinition,
  eventEntities,
  eventTablesMigration,
  eventTraceMigration,
  eventVersionMigration,
  type Orm,
  openDatabase,
  query,
  queryOne,
} from "../src/index.ts";

let env: TestEnv;
let folder: string;
beforeAll(async () => {
  env = await createTestEnv();
  folder = mkdtempSync(join(import.meta.dirname, ".repeatable-"));
  mkdirSync(join(folder, "repeatable"));
});
afterAll(async () => {
  rmSync(folder, { recursive: true, force: true });
  await env?.stop();
});

const write = (name: string, sql: string) => writeFileSync(join(folder, "repeatable", name), sql);
const definition = (
  migrations: MigrationObject[] = [eventTablesMigration, eventVersionMigration, eventTraceMigration],
): DatabaseDefinition => ({
  schema: "probe",
  entities: eventEntities,
  migrations,
  folder,
});

async function opened<T>(work: (orm: Orm) => Promise<T>, migrations?: MigrationObject[]) {
  const orm = await openDatabase({ ...definition(migrations), url: env.databaseUrl, log: env.log });
  try {
    return await work(orm);
  } finally {
    await orm.close();
  }
}

const applied = (orm: Orm) =>
  // Raw timestamps come as text (the ORM's type parsers), ISO-comparable.
  query<{ name: string; applied_at: string }>(
    orm,
    "select name, applied_at from probe.schema_repeatables order by name",
  );
const answer = async (orm: Orm) => (await queryOne<{ n: number }>(orm, "select probe.answer() as n"))!.n;

class AddNotes extends Migration {
  override up(): void {
    this.addSql("create table probe.notes (id text primary key)");
  }
}

describe("repeatable SQL files", () => {
  it("apply after the migrations, in name order, each once", async () => {
    // b uses a's function: name order is the order of application.
    write(
      "a-answer.sql",
      "create or replace function probe.answer() returns int language sql as $$ select 41 $$;",
    );
    write("b-view.sql", "create or replace view probe.answers as select probe.answer() + 1 as n;");
    const first = await opened(async (orm) => {
      expect(await answer(orm)).toBe(41);
      expect(await queryOne(orm, "select n from probe.answers")).toEqual({ n: 42 });
      return applied(orm);
    });
    expect(first.map((row) => row.name)).toEqual(["a-answer.sql", "b-view.sql"]);
    // Opened again, unchanged: nothing runs again.
    expect(await opened(applied)).toEqual(first);
  });

  it("run again when, and only when, their content changed", async () => {
    const before = await opened(applied);
    write(
      "a-answer.sql",
      "create or replace function probe.answer() returns int language sql as $$ select 1 $$;",
    );
    const after = await opened(async (orm) => {
      expect(await answer(orm)).toBe(1);
      return applied(orm);
    });
    expect(Date.parse(after[0]!.applied_at)).toBeGreaterThan(Date.parse(before[0]!.applied_at));
    expect(after[1]).toEqual(before[1]);
  });

  it("fail the start, naming the file, and leave the schema as it was with the migrations before them", async () => {
    write(
      "c-broken.sql",
      "create or replace function probe.broken() returns int language sql as $$ select nope $$;",
    );
    const addNotes = { name: "0001_add_notes", class: AddNotes };
    await expect(
      openDatabase({
        ...definition([eventTablesMigration, eventVersionMigration, addNotes]),
        url: env.databaseUrl,
        log: env.log,
      }),
    ).rejects.toThrow(/repeatable SQL probe\/c-broken\.sql failed: .*nope/);
    rmSync(join(folder, "repeatable", "c-broken.sql"));
    await opened(async (orm) => {
      expect(await queryOne(orm, "select to_regclass('probe.notes') is null as absent")).toEqual({
        absent: true,
      });
      expect((await applied(orm)).map((row) => row.name)).toEqual(["a-answer.sql", "b-view.sql"]);
    });
  });
});
