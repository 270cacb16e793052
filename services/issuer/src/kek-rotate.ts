// `npm run kek:rotate -w services/issuer`: reseals every value the issuer keeps sealed under the
// current ISSUER_KEK, reading the others with ISSUER_KEK_PREVIOUS (docs/operations.md, "Rotating a
// KEK"). Same configuration as the service; safe to stop and run again.
import { ConfigError, createLogger, runKekRotation } from "@licensing/platform";
import { loadIssuerConfig } from "./config.ts";
import { issuerSealedBox, issuerSealedColumns } from "./domain/sealed-values.ts";
import { openIssuerDatabase } from "./service.ts";

const config = (() => {
  try {
    return loadIssuerConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
})();
const log = createLogger("issuer", config.LOG_LEVEL);
const orm = await openIssuerDatabase(config.DATABASE_URL, log, 2);
try {
  await runKekRotation({
    orm,
    box: issuerSealedBox(config.ISSUER_KEK, config.ISSUER_KEK_PREVIOUS),
    columns: issuerSealedColumns,
    log,
    ...(process.env.KEK_ROTATE_BATCH_SIZE ? { batchSize: Number(process.env.KEK_ROTATE_BATCH_SIZE) } : {}),
  });
} finally {
  await orm.close();
}
