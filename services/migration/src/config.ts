import { resolve } from "node:path";
import { baseConfig, databaseConfig, loadConfig } from "@licensing/platform";
import { z } from "zod";

export const migrationConfig = baseConfig.extend(databaseConfig.shape).extend({
  MIGRATION_ROOT: z
    .string()
    .trim()
    .min(1)
    .transform((path) => resolve(path))
    .optional()
    .meta({
      description:
        "the directory export locations must be inside (a relative location is taken from it); database URLs are not limited by it",
      shownDefault: "its working directory",
      npmStart: "the repository root",
    }),
});
export type MigrationConfig = ReturnType<typeof loadMigrationConfig>;

export function loadMigrationConfig(env?: Record<string, string | undefined>) {
  return loadConfig(migrationConfig, env);
}
