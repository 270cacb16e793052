import { ensureEventStream, runServiceProcess } from "@licensing/platform";
import { loadIssuerConfig } from "./config.ts";
import { createIssuerService, openIssuerDatabase } from "./service.ts";

await runServiceProcess("issuer", loadIssuerConfig, async ({ config, log, nc }) => {
  await ensureEventStream(nc, config.SUBJECT_PREFIX);
  const orm = await openIssuerDatabase(config.DATABASE_URL, log, config.DATABASE_POOL_SIZE);
  const service = createIssuerService({
    nc,
    orm,
    prefix: config.SUBJECT_PREFIX,
    log,
    kek: config.ISSUER_KEK,
    previousKeks: config.ISSUER_KEK_PREVIOUS,
    defaultNotifyDays: config.ISSUER_DEFAULT_NOTIFY_DAYS,
    timeZone: config.ISSUER_TIME_ZONE,
  });
  await service.start();
  return { service, orm };
});
