// `npm run reconcile -w services/distribution [-- --rebuild]`: compares the read model of licenses
// with the issuer and repairs drift now, as the service does every DISTRIBUTION_RECONCILE_INTERVAL_SECONDS;
// with --rebuild, fetches and applies every license the issuer has, agreeing or not (refills an
// emptied table). Same configuration as the service; the issuer must be running. Safe to run again.
// Rows are never deleted (docs/distribution.md, "Reconciliation", says why).
import { BusClient } from "@licensing/bus";
import { ConfigError, connectNats, createLogger, natsOptionsFrom } from "@licensing/platform";
import { loadDistributionConfig } from "./config.ts";
import { Reconciliation } from "./domain/reconciliation.ts";
import { openDistributionDatabase } from "./service.ts";

const rebuild = process.argv.includes("--rebuild");
const config = (() => {
  try {
    return loadDistributionConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
})();
const log = createLogger("distribution", config.LOG_LEVEL);
const nc = await connectNats(config.NATS_URL, "distribution-reconcile", log, {
  ...natsOptionsFrom(config),
  identity: "distribution",
});
const orm = await openDistributionDatabase(config.DATABASE_URL, log, 2);
try {
  const bus = new BusClient(nc, { prefix: config.SUBJECT_PREFIX });
  const counts = await new Reconciliation({ orm, bus, log }).run({ everyLicense: rebuild });
  if (!counts) {
    console.error("another reconciliation is running (a replica's); try again when it has finished");
    process.exitCode = 3;
  } else {
    console.log(JSON.stringify(counts));
  }
} finally {
  await orm.close();
  await nc.drain();
}
