import { runServiceProcess } from "@licensing/platform";
import { loadNotifierConfig } from "./config.ts";
import { createNotifierService, openNotifierDatabase } from "./service.ts";

await runServiceProcess("notifier", loadNotifierConfig, async ({ config, log, nc }) => {
  const orm = await openNotifierDatabase(config.DATABASE_URL, log, config.DATABASE_POOL_SIZE);
  const service = createNotifierService({
    nc,
    orm,
    prefix: config.SUBJECT_PREFIX,
    log,
    kek: config.NOTIFIER_KEK,
    previousKeks: config.NOTIFIER_KEK_PREVIOUS,
    leaseMs: config.NOTIFIER_DIGEST_LEASE_SECONDS * 1_000,
    seed: {
      uiUrl: config.NOTIFIER_UI_URL ?? "http://localhost:8080",
      fromAddress: config.NOTIFIER_FROM,
      smtp: config.NOTIFIER_SMTP_URL,
    },
  });
  await service.start();
  return { service, orm };
});
