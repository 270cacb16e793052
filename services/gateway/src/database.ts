import { join } from "node:path";
import { AuditLogEntity, type DatabaseDefinition, runMigrationCli } from "@licensing/platform";
import { migrations } from "../migrations/index.ts";
import { gatewayEntities } from "./domain/entities.ts";

/**
 * The gateway schema: its entities, its migrations, and the folder of its snapshot and repeatable
 * SQL files (docs/development.md, "Persistence"). Run as a script, the migration CLI:
 * `npm run db -w services/gateway -- create <name>`.
 */
export const gatewayDatabase: DatabaseDefinition = {
  schema: "gateway",
  entities: [...gatewayEntities, AuditLogEntity],
  migrations,
  folder: join(import.meta.dirname, "../migrations"),
};

if (import.meta.main) await runMigrationCli(gatewayDatabase, process.argv.slice(2));
