import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSchema, MikroORM } from "@mikro-orm/postgresql";
import { type DatabaseDefinition, type Orm, openDatabase, ormOptions } from "./database.ts";
import { createLogger } from "./logger.ts";
import { SnapshotMigrator } from "./migrator.ts";

/** The statements a migration generated now would hold: the entities against the snapshot. */
export async function pendingSchemaChanges(orm: Orm): Promise<string[]> {
  const snapshot = await migrator(orm).readSnapshot();
  if (!snapshot) throw new Error("this service has no snapshot.json in its migrations folder yet");
  const diff = await orm.schema.getUpdateSchemaMigrationSQL({ wrap: false, fromSchema: snapshot });
  return statements(diff.up);
}

/**
 * Generates the next migration from the difference between the entities and the snapshot, lists it
 * in the folder's index.ts and updates the snapshot. Works without a database. Answers the file
 * written, or undefined when there is nothing to migrate.
 */
export async function createMigration(orm: Orm, name: string): Promise<string | undefined> {
  const folder = orm.config.get("migrations").path!;
  const result = await orm.migrator.create(folder, false, false, name);
  if (!result.fileName) return undefined;
  const moduleName = result.fileName.replace(/\.ts$/, "");
  const className = /export class (\w+)/.exec(result.code)![1]!;
  const index = join(folder, "index.ts");
  const source = readFileSync(index, "utf8");
  const lastImport = [...source.matchAll(/^import .*;$/gm)].at(-1)!;
  const at = lastImport.index + lastImport[0].length;
  const listed = source.replace(
    /(export const migrations = \[[\s\S]*?),?\s*\];/,
    (_, items: string) => `${items}, { name: "${moduleName}", class: ${className} }];`,
  );
  if (listed === source) throw new Error(`${index}: cannot find \`export const migrations = [ … ];\``);
  writeFileSync(
    index,
    `${listed.slice(0, at)}\nimport { ${className} } from "./${result.fileName}";${listed.slice(at)}`,
  );
  format(folder, [result.fileName, "index.ts", "snapshot.json"]);
  return join(folder, result.fileName);
}

/**
 * Writes the snapshot from a database the migrations brought up to date (introspected): how a
 * service whose schema was written by hand adopts generated migrations. Refuses while migrations
 * are pending.
 */
export async function writeBaseline(orm: Orm): Promise<string> {
  const pending = await orm.migrator.getPending();
  if (pending.length > 0)
    throw new Error(`migrate first: ${pending.map((m) => m.name).join(", ")} not applied`);
  const config = orm.config;
  const name = config.get("schema")!;
  const { skipTables, skipViews } = config.get("schemaGenerator");
  const schema = await DatabaseSchema.create(
    orm.em.getConnection(),
    orm.em.getPlatform(),
    config,
    name,
    [name],
    undefined,
    skipTables,
    skipViews,
  );
  // As the schema generator compares: the service's own schema only, and without the triggers
  // (the repeatable SQL files' own, which the generator leaves alone).
  schema.prune(name, []);
  for (const table of schema.getTables()) {
    table.setTriggers([]);
    // MikroORM 7.2.1 joins an index to pg_constraint by name alone, so where another schema has a
    // constraint of the same name (outbox_pkey in every service with events) the index comes twice.
    const seen = new Set<string>();
    table.setIndexes(
      table.getIndexes().filter((index) => !seen.has(index.keyName) && seen.add(index.keyName)),
    );
  }
  await migrator(orm).writeSnapshot(schema);
  const folder = config.get("migrations").path!;
  format(folder, ["snapshot.json"]);
  return join(folder, "snapshot.json");
}

function migrator(orm: Orm): SnapshotMigrator {
  const extension = orm.migrator;
  if (!(extension instanceof SnapshotMigrator)) throw new Error("open the ORM with ormOptions()");
  return extension;
}

function statements(sql: string): string[] {
  return sql
    .split(/;\n/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

// Generated files follow the house format, so `npm run check` passes as soon as they are written.
function format(folder: string, files: string[]): void {
  const paths = files.map((file) => join(folder, file)).filter((path) => existsSync(path));
  try {
    execFileSync("npx", ["biome", "check", "--write", ...paths], { stdio: "ignore" });
  } catch {
    console.warn(`could not format ${paths.join(", ")}; run npx biome check --write on them`);
  }
}

/**
 * The `db` script of each service (`npm run db -w services/<name> -- <command>`):
 *
 * - `create <name>`: generate the next migration from the entities (no database needed);
 * - `check`: list what a migration generated now would hold; fails if anything;
 * - `baseline`: migrate the database at DATABASE_URL, then write the snapshot from it.
 */
export async function runMigrationCli(definition: DatabaseDefinition, args: string[]): Promise<void> {
  const [command, name] = args;
  const log = createLogger("db", process.env.LOG_LEVEL ?? "warn");
  if (command === "baseline") {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("baseline reads the schema of the database at DATABASE_URL");
    const orm = await openDatabase({ ...definition, url, log });
    try {
      console.log(`wrote ${await writeBaseline(orm)}`);
    } finally {
      await orm.close();
    }
    return;
  }
  // Generating works from the entities and the snapshot alone: the ORM never connects.
  const orm = new MikroORM(ormOptions({ ...definition, url: "postgresql://offline/offline", log }));
  try {
    if (command === "create" && name) {
      const file = await createMigration(orm, name);
      console.log(file ? `wrote ${file}` : "the entities and the snapshot agree: nothing to migrate");
    } else if (command === "check") {
      const changes = await pendingSchemaChanges(orm);
      for (const statement of changes) console.log(`${statement};`);
      if (changes.length > 0) {
        console.error(`${changes.length} change(s) without a migration: npm run db -- create <name>`);
        process.exitCode = 1;
      }
    } else {
      console.error("usage: npm run db -- create <name> | check | baseline");
      process.exitCode = 2;
    }
  } finally {
    await orm.close();
  }
}
