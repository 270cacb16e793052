// `npm run kek:rotate -w services/notifier`: reseals every value the notifier keeps sealed under the
// current NOTIFIER_KEK, reading the others with NOTIFIER_KEK_PREVIOUS (docs/operations.md, "Rotating a
// KEK"). Same configuration as the service; safe to stop and run again.
import { ConfigError, createLogger, runKekRotation } from "@licensing/platform";
import { loadNotifierConfig } from "./config.ts";
import { notifierSealedBox, notifierSealedColumns } from "./domain/sealed-values.ts";
import { openNotifierDatabase } from "./service.ts";

const config = (() => {
  try {
    return loadNotifierConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
})();
const log = createLogger("notifier", config.LOG_LEVEL);
const orm = await openNotifierDatabase(config.DATABASE_URL, log, 2);
try {
  await runKekRotation({
    orm,
    box: notifierSealedBox(config.NOTIFIER_KEK, config.NOTIFIER_KEK_PREVIOUS),
    columns: notifierSealedColumns,
    log,
    ...(process.env.KEK_ROTATE_BATCH_SIZE ? { batchSize: Number(process.env.KEK_ROTATE_BATCH_SIZE) } : {}),
  });
} finally {
  await orm.close();
}
