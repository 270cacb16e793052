import { runServiceProcess } from "@licensing/platform";
import { loadMigrationConfig } from "./config.ts";
import { createMigrationService, openMigrationDatabase } from "./service.ts";

await runServiceProcess("migration", loadMigrationConfig, async ({ config, log, nc }) => {
  const orm = await openMigrationDatabase(config.DATABASE_URL, log, config.DATABASE_POOL_SIZE);
  const service = createMigrationService({
    nc,
    orm,
    prefix: config.SUBJECT_PREFIX,
    log,
    root: config.MIGRATION_ROOT ?? process.cwd(),
  });
  await service.start();
  return { service, orm };
});
