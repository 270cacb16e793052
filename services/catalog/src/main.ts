import { ensureEventStream, runServiceProcess } from "@licensing/platform";
import { loadCatalogConfig } from "./config.ts";
import { createCatalogService, openCatalogDatabase } from "./service.ts";

await runServiceProcess("catalog", loadCatalogConfig, async ({ config, log, nc }) => {
  await ensureEventStream(nc, config.SUBJECT_PREFIX);
  const orm = await openCatalogDatabase(config.DATABASE_URL, log, config.DATABASE_POOL_SIZE);
  const service = createCatalogService({ nc, orm, prefix: config.SUBJECT_PREFIX, log });
  await service.start();
  return { service, orm };
});
