import {
  connectNats,
  createLogger,
  natsOptionsFrom,
  runUntilSignal,
  startMetricsServer,
  startTracing,
} from "@licensing/platform";
import { loadNotifierConfig } from "./config.ts";
import { createNotifierService, openNotifierDatabase } from "./service.ts";

await runUntilSignal(async () => {
  const config = loadNotifierConfig();
  const log = createLogger("notifier", config.LOG_LEVEL);
  const tracing = startTracing({
    service: "notifier",
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    sampleRatio: config.OTEL_TRACES_SAMPLE_RATIO,
  });
  const metrics = await startMetricsServer("notifier", config.METRICS_PORT, log);
  const nc = await connectNats(config.NATS_URL, "notifier", log, natsOptionsFrom(config));
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
