import { openArtifactStore } from "@licensing/artifacts";
import { definedOnly, ensureEventStream, runServiceProcess } from "@licensing/platform";
import { loadDistributionConfig } from "./config.ts";
import { createDistributionService, openDistributionDatabase } from "./service.ts";

await runServiceProcess("distribution", loadDistributionConfig, async ({ config, log, nc }) => {
  await ensureEventStream(nc, config.SUBJECT_PREFIX);
  const orm = await openDistributionDatabase(config.DATABASE_URL, log, config.DATABASE_POOL_SIZE);
  const service = createDistributionService({
    nc,
    orm,
    prefix: config.SUBJECT_PREFIX,
    log,
    listen: { port: config.DISTRIBUTION_PORT, host: config.DISTRIBUTION_HOST },
    shutdownDelayMs: config.SHUTDOWN_DELAY_SECONDS * 1_000,
    publicUrl: config.DISTRIBUTION_PUBLIC_URL,
    artifacts: await openArtifactStore(config),
    trustProxy: config.DISTRIBUTION_TRUST_PROXY,
    syncTokens: config.DISTRIBUTION_SYNC_TOKENS,
    rateLimits: {
      perIp: config.DISTRIBUTION_RATE_LIMIT_IP_PER_MINUTE,
      perKey: config.DISTRIBUTION_RATE_LIMIT_KEY_PER_MINUTE,
      syncMs: Math.round(config.DISTRIBUTION_RATE_LIMIT_SYNC_SECONDS * 1_000),
      maxKeys: config.DISTRIBUTION_RATE_LIMIT_MAX_KEYS,
    },
    timings: {
      heartbeatTimeoutMs: config.DISTRIBUTION_HEARTBEAT_TIMEOUT_SECONDS * 1_000,
      machineFileTtlMs: config.DISTRIBUTION_MACHINE_FILE_TTL_SECONDS * 1_000,
      offlineFileTtlMs: config.DISTRIBUTION_OFFLINE_FILE_TTL_SECONDS * 1_000,
      leaseTtlMs: config.DISTRIBUTION_LEASE_TTL_SECONDS * 1_000,
      cacheTtlMs: config.DISTRIBUTION_CACHE_TTL_SECONDS * 1_000,
      reconcileIntervalMs: config.DISTRIBUTION_RECONCILE_INTERVAL_SECONDS * 1_000,
      usageRollupIntervalMs: config.DISTRIBUTION_USAGE_ROLLUP_INTERVAL_SECONDS * 1_000,
    },
    usageRetentionDays: config.DISTRIBUTION_USAGE_DETAIL_RETENTION_DAYS,
  });
  await service.start();
  return {
    service,
    orm,
    // For npm start, which must show where products reach it whatever LOG_LEVEL hides.
    started: definedOnly({ listening: service.url(), url: service.publicUrl() }),
  };
});
