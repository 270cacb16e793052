import { auditLogMigration } from "@licensing/platform";
import { MigrationSchema } from "./0001_migration.ts";
import { OneRunningRunPerSource } from "./0002_one_running_run_per_source.ts";
import { RunCancel } from "./0003_run_cancel.ts";

/**
 * Every migration of the migration schema, in order, generated from the entities
 * (`npm run db -w services/migration -- create <name>`). Applied at start; never edit one that has shipped.
 */
export const migrations = [
  { name: "0001_migration", class: MigrationSchema },
  { name: "0002_one_running_run_per_source", class: OneRunningRunPerSource },
  { name: "0003_run_cancel", class: RunCancel },
  auditLogMigration,
];
