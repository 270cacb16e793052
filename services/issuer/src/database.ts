import { join } from "node:path";
import { AuditLogEntity, type DatabaseDefinition, eventEntities, runMigrationCli } from "@licensing/platform";
import { migrations } from "../migrations/index.ts";
import { issuerEntities } from "./domain/entities.ts";

/**
 * The issuer schema: its entities, its migrations, and the folder of its snapshot and repeatable
 * SQL files (docs/development.md, "Persistence"). Run as a script, the migration CLI:
 * `npm run db -w services/issuer -- create <name>`.
 */
export const issuerDatabase: DatabaseDefinition = {
  schema: "issuer",
  entities: [...issuerEntities, ...eventEntities, AuditLogEntity],
  migrations,
  folder: join(import.meta.dirname, "../migrations"),
};

if (import.meta.main) await runMigrationCli(issuerDatabase, process.argv.slice(2));
