import { connectNats, createLogger, definedOnly, runUntilSignal } from "@licensing/platform";
import { loadGatewayConfig } from "./config.ts";
import { createGatewayService, openGatewayDatabase } from "./service.ts";

await runUntilSignal(async () => {
  const config = loadGatewayConfig();
  const log = createLogger("gateway", config.LOG_LEVEL);
  const nc = await connectNats(config.NATS_URL, "gateway", log);
  const orm = await openGatewayDatabase(config.DATABASE_URL, log, config.DATABASE_POOL_SIZE);
  const hour = 3_600_000;
  const service = createGatewayService({
    nc,
    orm,
    prefix: config.SUBJECT_PREFIX,
    log,
    admin: { username: config.ADMIN_USERNAME, password: config.ADMIN_PASSWORD },
    vendorKeys: config.VENDOR_PUBLIC_KEYS,
    listen: { port: config.PORT, host: config.HOST },
    publicUrl: config.PUBLIC_URL,
    cookieSecure: config.COOKIE_SECURE,
    trustProxy: config.TRUST_PROXY,
    requiredServices: config.REQUIRED_SERVICES,
    uiDir: config.UI_DIR,
    session: { idleMs: config.SESSION_IDLE_HOURS * hour, maxAgeMs: config.SESSION_MAX_DAYS * 24 * hour },
  });
  const { listening, url, firstSuperadmin: admin } = await service.start();
  return {
    // For npm start, which must show these whatever LOG_LEVEL hides.
    started: definedOnly({
      listening,
      url,
      details: admin && { firstSuperadmin: admin.username, temporaryPassword: admin.temporaryPassword },
    }),
    async stop() {
      await service.stop();
      await nc.drain();
      await orm.close();
    },
  };
});
