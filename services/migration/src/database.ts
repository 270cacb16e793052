import { join } from "node:path";
import { AuditLogEntity, type DatabaseDefinition, runMigrationCli } from "@licensing/platform";
import { migrations } from "../migrations/index.ts";
import { migrationEntities } from "./run/entities.ts";

/**
 * The migration schema: runs, their issues, account questions and owner links (docs/migration.md).
 * Run as a script, the migration CLI: `npm run db -w services/migration -- create <name>`.
 */
export const migrationDatabase: DatabaseDefinition = {
  schema: "migration",
  entities: [...migrationEntities, AuditLogEntity],
  migrations,
  folder: join(import.meta.dirname, "../migrations"),
};

if (import.meta.main) await runMigrationCli(migrationDatabase, process.argv.slice(2));
