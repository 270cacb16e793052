import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTestEnv, schemaDifferences, type TestEnv } from "@licensing/testing";
import { defineEntity, type MigrationObject, p } from "@mikro-orm/core";
import { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMigration,
  type DatabaseDefinition,
  eventEntities,
  eventTablesMigration,
  eventTraceMigration,
  eventVersionMigration,
  openDatabase,
  ormOptions,
  pendingSchemaChanges,
  writeBaseline,
} from "../src/index.ts";

const Probe = defineEntity({
  name: "Probe",
  tableName: "probes",
  properties: {
    id: p.text().primary(),
    note: p.text().nullable(),
    at: p.datetime(),
  },
  indexes: [{ name: "probes_recent", properties: ["at"], where: "note is not null" }],
});

const eventTables = [eventTablesMigration, eventVersionMigration, eventTraceMigration];
let env: TestEnv;
let folder: string;
beforeAll(async () => {
  env = await createTestEnv();
  // Inside the repository, so the generated files resolve their imports as a service's would.
  folder = mkdtempSync(join(import.meta.dirname, ".migrations-"));
  writeFileSync(
    join(folder, "index.ts"),
    `import { eventTablesMigration, eventTraceMigration, eventVersionMigration } from "@licensing/platform";\n\nexport const migrations = [eventTablesMigration, eventVersionMigration, eventTraceMigration];\n`,
  );
});
afterAll(async () => {
  rmSync(folder, { recursive: true, force: true });
  await env?.stop();
});

const definition = (
  migrations: MigrationObject[],
  entities = [...eventEntities, Probe],
): DatabaseDefinition => ({
  schema: "probe",
  entities,
  migrations,
  folder,
});
const offline = (migrations: MigrationObject[]) =>
  new MikroORM(ormOptions({ ...definition(migrations), url: "postgresql://offline/offline", log: env.log }));

describe("migrations generated from the entities", () => {
  it("start from a baseline: the snapshot of a database the migrations made", async () => {
    const orm = await openDatabase({
      ...definition(eventTables, eventEntities),
      url: env.databaseUrl,
      log: env.log,
    });
    try {
      await writeBaseline(orm);
    } finally {
      await orm.close();
    }
    expect(
      JSON.parse(readFileSync(join(folder, "snapshot.json"), "utf8")).tables.map(
        (t: { name: string }) => t.name,
      ),
    ).toEqual(["outbox", "processed_events"]);
  });

  it("are written without a database: the next file, listed in index.ts, with the snapshot moved on", async () => {
    const orm = offline(eventTables);
    try {
      expect(await pendingSchemaChanges(orm)).toEqual([
        expect.stringMatching(/^create table "probe"\."probes"/),
        expect.stringMatching(
          /^create index "probes_recent" on "probe"\."probes" \("at"\) where note is not null$/,
        ),
      ]);
      expect(await createMigration(orm, "add_probes")).toBe(join(folder, "0001_add_probes.ts"));
    } finally {
      await orm.close();
    }
    expect(readdirSync(folder).sort()).toEqual(["0001_add_probes.ts", "index.ts", "snapshot.json"]);
    const file = readFileSync(join(folder, "0001_add_probes.ts"), "utf8");
    expect(file).toContain("export class AddProbes extends Migration");
    expect(file).toContain('override name = "0001_add_probes";');
    expect(readFileSync(join(folder, "index.ts"), "utf8")).toContain(
      'import { AddProbes } from "./0001_add_probes.ts";',
    );
    const again = offline([...eventTables, { name: "0001_add_probes", class: class {} as never }]);
    try {
      expect(await pendingSchemaChanges(again)).toEqual([]);
      expect(await createMigration(again, "nothing")).toBeUndefined();
    } finally {
      await again.close();
    }
  });

  it("bring a database to what the entities say", async () => {
    const { migrations } = (await import(join(folder, "index.ts"))) as { migrations: MigrationObject[] };
    expect(migrations.map((m) => m.name)).toEqual([
      "0000_event_tables",
      "platform_event_version",
      "platform_event_trace",
      "0001_add_probes",
    ]);
    const orm = await openDatabase({ ...definition(migrations), url: env.databaseUrl, log: env.log });
    try {
      expect(await schemaDifferences(orm, "probe")).toEqual([]);
    } finally {
      await orm.close();
    }
  });
});
