import { join } from "node:path";
import { AuditLogEntity, type DatabaseDefinition, eventEntities, runMigrationCli } from "@licensing/platform";
import { migrations } from "../migrations/index.ts";
import { AccountEntity } from "./domain/account-entity.ts";
import { ProductEntity } from "./domain/product-entity.ts";
import { releaseEntities } from "./domain/release-entities.ts";

/**
 * The catalog schema: its entities, its migrations, and the folder of its snapshot and repeatable
 * SQL files (docs/development.md, "Persistence"). Run as a script, the migration CLI:
 * `npm run db -w services/catalog -- create <name>`.
 */
export const catalogDatabase: DatabaseDefinition = {
  schema: "catalog",
  entities: [AccountEntity, ProductEntity, ...releaseEntities, ...eventEntities, AuditLogEntity],
  migrations,
  folder: join(import.meta.dirname, "../migrations"),
};

if (import.meta.main) await runMigrationCli(catalogDatabase, process.argv.slice(2));
