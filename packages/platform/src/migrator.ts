import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import { Migrator, TSMigrationGenerator } from "@mikro-orm/migrations";
import type { DatabaseSchema } from "@mikro-orm/postgresql";

/**
 * MikroORM's migrator, with its snapshot within reach: the migration CLI writes a baseline and the
 * schema tests compare the snapshot with the entities. Registered by `ormOptions`.
 */
export class SnapshotMigrator extends Migrator {
  static override register(orm: MikroORM): void {
    orm.config.registerExtension("@mikro-orm/migrator", () => new SnapshotMigrator(orm.em as never));
  }

  /** The schema the migrations so far make, as the snapshot in the migrations folder records it. */
  readSnapshot(): Promise<DatabaseSchema | undefined> {
    return this.getSchemaFromSnapshot();
  }

  /** Writes the snapshot: the given schema, else the entities'. */
  writeSnapshot(schema?: DatabaseSchema): Promise<void> {
    return this.storeCurrentSchema(schema);
  }
}

/**
 * Writes generated migrations the way the hand-written ones read: `<number>_<name>.ts`, a class
 * named after the change, its stable `name`, and the statements of MikroORM's diff.
 */
export class ServiceMigrationGenerator extends TSMigrationGenerator {
  override async generate(diff: { up: string[]; down: string[] }, path?: string, name?: string) {
    const folder = resolve(path ?? this.options.path!);
    if (!name || !/^[a-z][a-z0-9_]*$/.test(name))
      throw new Error("a migration needs a name in snake_case, e.g. add_license_notes");
    const numbers = (this.options.migrationsList ?? []).map((m) =>
      Number(/^(\d+)_/.exec("name" in m ? m.name : "")?.[1] ?? -1),
    );
    const number = String(Math.max(-1, ...numbers) + 1).padStart(4, "0");
    const fileName = `${number}_${name}.ts`;
    const className = name.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
    const code = this.generateMigrationFile(className, diff).replace(
      `override name = '${className}';`,
      `override name = '${number}_${name}';`,
    );
    writeFileSync(join(folder, fileName), code);
    return [code, fileName] as [string, string];
  }
}
