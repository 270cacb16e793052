import { join } from "node:path";
import { AuditLogEntity, type DatabaseDefinition, eventEntities, runMigrationCli } from "@licensing/platform";
import { migrations } from "../migrations/index.ts";
import { distributionEntities } from "./domain/entities.ts";

/**
 * The distribution schema: its entities, its migrations, and the folder of its snapshot and repeatable
 * SQL files (docs/development.md, "Persistence"). Run as a script, the migration CLI:
 * `npm run db -w services/distribution -- create <name>`.
 */
export const distributionDatabase: DatabaseDefinition = {
  schema: "distribution",
  entities: [...distributionEntities, ...eventEntities, AuditLogEntity],
  migrations,
  folder: join(import.meta.dirname, "../migrations"),
};

if (import.meta.main) await runMigrationCli(distributionDatabase, process.argv.slice(2));
