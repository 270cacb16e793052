import { join } from "node:path";
import { AuditLogEntity, type DatabaseDefinition, runMigrationCli } from "@licensing/platform";
import { migrations } from "../migrations/index.ts";
import { notifierEntities } from "./domain/entities.ts";

/**
 * The notifier schema: its entities, its migrations, and the folder of its snapshot and repeatable
 * SQL files (docs/development.md, "Persistence"). Run as a script, the migration CLI:
 * `npm run db -w services/notifier -- create <name>`.
 */
export const notifierDatabase: DatabaseDefinition = {
  schema: "notifier",
  entities: [...notifierEntities, AuditLogEntity],
  migrations,
  folder: join(import.meta.dirname, "../migrations"),
};

if (import.meta.main) await runMigrationCli(notifierDatabase, process.argv.slice(2));
