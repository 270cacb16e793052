import {
  connectNats,
  createLogger,
  natsOptionsFrom,
  runUntilSignal,
  startMetricsServer,
  startTracing,
} from "@licensing/platform";
import { loadMigrationConfig } from "./config.ts";
import { createMigrationService, openMigrationDatabase } from "./service.ts";

await runUntilSignal(async () => {
  const config = loadMigrationConfig();
  const log = createLogger("migration", config.LOG_LEVEL);
  const tracing = startTracing({
    service: "migration",
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    sampleRatio: config.OTEL_TRACES_SAMPLE_RATIO,
  });
  const metrics = await startMetricsServer("migration", config.METRICS_PORT, log);
  const nc = await connectNats(config.NATS_URL, "migration", log, natsOptionsFrom(config));
  const orm = await openMigrationDatabase(config.DATABASE_URL, log, config.DATABASE_POOL_SIZE);
  const service = createMigrationService({
    nc,
    orm,
    prefix: config.SUBJECT_PREFIX,
    log,
    root: config.MIGRATION_ROOT ?? process.cwd(),
  });
  await service.start();
  return {
    graceSeconds: config.SHUTDOWN_GRACE_SECONDS,
    async stop() {
      await metrics?.close();
      await service.stop();
      await nc.drain();
      await orm.close();
      await tracing.stop();
    },
  };
});
