// The whole path of a migration, all real, on this test file's own database and subject prefix: a
// catalog with the legacy sources' products, an issuer, a distribution service, and the migration
// service reading exports under a scratch directory (its MIGRATION_ROOT).
import { randomBytes } from "node:crypto";
import { createCatalogService, openCatalogDatabase } from "@licensing/catalog";
import { type Actor, catalog, type MigrationRun, migration, type RequestIn } from "@licensing/contracts";
import { createDistributionService, openDistributionDatabase } from "@licensing/distribution";
import { createIssuerService, openIssuerDatabase } from "@licensing/issuer";
import { ensureEventStream, type Orm, type RunningService } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import type { LightMyRequestResponse } from "fastify";
import { createMigrationService, openMigrationDatabase } from "../../src/service.ts";
import { scratchDirectory } from "./files.ts";

export const superadmin: Actor = { id: "usr_root", username: "root", roles: ["superadmin"] };
export const sales: Actor = { id: "usr_sales", username: "sam", roles: ["sales"] };
export const as = (actor: Actor = superadmin) => ({
  ctx: { requestId: `req_${randomBytes(6).toString("hex")}`, actor },
});

/** The products the default mappings map to, with the modes, features and units the exports use. */
const PRODUCTS = [
  ...["snow-cloud", "snow-inventory", "snow-sam-core", "snow-slm"].map((code) => ({
    code,
    features: ["inventory", "metering", "cloud"],
    units: ["devices", "users"],
  })),
  ...["vbuc", "vbuc-asp", "vbuc-web"].map((code) => ({
    code,
    features: ["csharp", "vb.net", "asp"],
    units: ["lines", "files"],
  })),
];

export interface MigrationUnderTest {
  env: TestEnv;
  /** The directory exports are read from (MIGRATION_ROOT). */
  root: string;
  issuerOrm: Orm;
  distributionOrm: Orm;
  /** A request to distribution's product API with a license key (GUID or LK-), through inject. */
  product(method: "GET" | "POST", url: string, key: string, body?: unknown): Promise<LightMyRequestResponse>;
  start(request: RequestIn<typeof migration.startRun>, actor?: Actor): Promise<MigrationRun>;
  /** Waits until the run has ended, and answers it. */
  finished(runId: string): Promise<MigrationRun>;
  /** Stops the migration service (runs end after their batch) and starts a new one. */
  restartMigration(): Promise<void>;
  stop(): Promise<void>;
}

export async function startMigration(): Promise<MigrationUnderTest> {
  const env = await createTestEnv();
  await ensureEventStream(env.nc, env.prefix);
  const scratch = scratchDirectory();
  const services: RunningService[] = [];
  const orms: Orm[] = [];
  const started = async (service: RunningService) => {
    await service.start();
    services.push(service);
    return service;
  };
  const catalogOrm = await openCatalogDatabase(env.databaseUrl, env.log);
  orms.push(catalogOrm);
  await started(
    createCatalogService({
      nc: await env.connect("catalog"),
      orm: catalogOrm,
      prefix: env.prefix,
      log: env.log,
    }),
  );
  const issuerOrm = await openIssuerDatabase(env.databaseUrl, env.log);
  orms.push(issuerOrm);
  await started(
    createIssuerService({
      nc: await env.connect("issuer"),
      orm: issuerOrm,
      prefix: env.prefix,
      log: env.log,
      kek: randomBytes(32),
      defaultNotifyDays: 30,
      builtinPresets: false,
    }),
  );
  const distributionOrm = await openDistributionDatabase(env.databaseUrl, env.log);
  orms.push(distributionOrm);
  const distribution = createDistributionService({
    nc: await env.connect("distribution"),
    orm: distributionOrm,
    prefix: env.prefix,
    log: env.log,
    listen: { port: 0, host: "127.0.0.1" },
    rateLimits: { perIp: 0, perKey: 0 },
    syncTokens: [],
    timings: { cacheTtlMs: 0 },
  });
  await started(distribution);
  for (const product of PRODUCTS)
    await env.bus.request(catalog.createProduct, {
      code: product.code,
      name: product.code,
      executionModes: [
        { code: "migration", name: "Migration" },
        { code: "scanning", name: "Scanning" },
      ],
      customFeatures: product.features.map((code) => ({ code, name: code })),
      unitsTypes: product.units.map((code) => ({ code, name: code })),
    });
  const migrationOrm = await openMigrationDatabase(env.databaseUrl, env.log);
  orms.push(migrationOrm);
  let migrationService: RunningService | null = null;
  const startMigrationService = async () => {
    migrationService = createMigrationService({
      nc: await env.connect("migration"),
      orm: migrationOrm,
      prefix: env.prefix,
      log: env.log,
      root: scratch.path,
    });
    await migrationService.start();
  };
  await startMigrationService();

  return {
    env,
    root: scratch.path,
    issuerOrm,
    distributionOrm,
    product: (method, url, key, body) =>
      distribution.app.inject({
        method,
        url,
        headers: { authorization: `License ${key}` },
        ...(body === undefined ? {} : { payload: body as object }),
      }),
    start: (request, actor = superadmin) => env.bus.request(migration.startRun, request, as(actor)),
    async finished(runId) {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const run = await env.bus.request(migration.getRun, { runId }, as());
        if (run.state !== "running") return run;
        if (Date.now() > deadline) throw new Error(`run ${runId} did not end: ${JSON.stringify(run)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async restartMigration() {
      await migrationService?.stop();
      await startMigrationService();
    },
    async stop() {
      await migrationService?.stop();
      for (const service of services.reverse()) await service.stop();
      for (const orm of orms) await orm.close();
      await env.stop();
      scratch.remove();
    },
  };
}
