import {
  connectNats,
  createLogger,
  ensureEventStream,
  natsOptionsFrom,
  runUntilSignal,
  startMetricsServer,
  startTracing,
} from "@licensing/platform";
import { loadCatalogConfig } from "./config.ts";
import { createCatalogService, openCatalogDatabase } from "./service.ts";

await runUntilSignal(async () => {
  const config = loadCatalogConfig();
  const log = createLogger("catalog", config.LOG_LEVEL);
  const tracing = startTracing({
    service: "catalog",
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    sampleRatio: config.OTEL_TRACES_SAMPLE_RATIO,
  });
  const metrics = await startMetricsServer("catalog", config.METRICS_PORT, log);
  const nc = await connectNats(config.NATS_URL, "catalog", log, natsOptionsFrom(config));
  await ensureEventStream(nc, config.SUBJECT_PREFIX);
  const orm = await openCatalogDatabase(config.DATABASE_URL, log, config.DATABASE_POOL_SIZE);
  const service = createCatalogService({ nc, orm, prefix: config.SUBJECT_PREFIX, log });
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
