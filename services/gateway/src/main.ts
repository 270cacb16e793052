import { openArtifactStore } from "@licensing/artifacts";
import { definedOnly, hasLauncher, runServiceProcess } from "@licensing/platform";
import { loadGatewayConfig } from "./config.ts";
import { createGatewayService, firstSuperadminNotice, openGatewayDatabase } from "./service.ts";

await runServiceProcess("gateway", loadGatewayConfig, async ({ config, log, nc }) => {
  const orm = await openGatewayDatabase(config.DATABASE_URL, log, config.DATABASE_POOL_SIZE);
  const service = createGatewayService({
    nc,
    orm,
    prefix: config.SUBJECT_PREFIX,
    log,
    admin: { username: config.GATEWAY_ADMIN_USERNAME, password: config.GATEWAY_ADMIN_PASSWORD },
    vendorKeys: config.GATEWAY_VENDOR_PUBLIC_KEYS,
    listen: { port: config.GATEWAY_PORT, host: config.GATEWAY_HOST },
    shutdownDelayMs: config.SHUTDOWN_DELAY_SECONDS * 1_000,
    publicUrl: config.GATEWAY_PUBLIC_URL,
    artifacts: await openArtifactStore(config),
    uploadExpiryMs: config.ARTIFACT_UPLOAD_EXPIRY_SECONDS * 1_000,
    uploadLockTtlMs: config.GATEWAY_UPLOAD_LOCK_SECONDS * 1_000,
    cookieSecure: config.GATEWAY_COOKIE_SECURE,
    trustProxy: config.GATEWAY_TRUST_PROXY,
    requiredServices: config.GATEWAY_REQUIRED_SERVICES,
    uiDir: config.GATEWAY_UI_DIR,
    session: {
      idleMs: config.GATEWAY_SESSION_IDLE_SECONDS * 1_000,
      maxAgeMs: config.GATEWAY_SESSION_MAX_SECONDS * 1_000,
    },
  });
  const { listening, url, firstSuperadmin: admin } = await service.start();
  // Plain console text, not a log field; under npm start the launcher's summary shows it instead.
  if (admin && !hasLauncher()) console.log(firstSuperadminNotice(admin));
  return {
    service,
    orm,
    // For npm start, which must show these whatever LOG_LEVEL hides.
    started: definedOnly({
      listening,
      url,
      details: admin && { firstSuperadmin: admin.username, temporaryPassword: admin.temporaryPassword },
    }),
  };
});
