import {
  connectNats,
  createLogger,
  ensureEventStream,
  natsOptionsFrom,
  runUntilSignal,
  startMetricsServer,
  startTracing,
} from "@licensing/platform";
import { loadIssuerConfig } from "./config.ts";
import { createIssuerService, openIssuerDatabase } from "./service.ts";

await runUntilSignal(async () => {
  const config = loadIssuerConfig();
  const log = createLogger("issuer", config.LOG_LEVEL);
  const tracing = startTracing({
    service: "issuer",
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    sampleRatio: config.OTEL_TRACES_SAMPLE_RATIO,
  });
  const metrics = await startMetricsServer("issuer", config.METRICS_PORT, log);
  const nc = await connectNats(config.NATS_URL, "issuer", log, natsOptionsFrom(config));
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
