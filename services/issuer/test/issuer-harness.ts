import { randomBytes } from "node:crypto";
import { createCatalogService, openCatalogDatabase } from "@licensing/catalog";
import { type Account, type Actor, catalog, type Product, type RequestContext } from "@licensing/contracts";
import { ensureEventStream, type Orm, type RunningService } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { createIssuerService, openIssuerDatabase } from "../src/service.ts";

export const actors = {
  admin: { id: "usr_admin", username: "ada", roles: ["superadmin"] },
  licenseAdmin: { id: "usr_la", username: "lea", roles: ["license-admin"] },
  sales: { id: "usr_sales", username: "sam", roles: ["sales"] },
  support: { id: "usr_support", username: "sue", roles: ["support"] },
  viewer: { id: "usr_viewer", username: "vic", roles: ["viewer"] },
} satisfies Record<string, Actor>;

export function as(
  actor: Actor,
  requestId = `req_${randomBytes(6).toString("hex")}`,
): { ctx: RequestContext } {
  return { ctx: { requestId, actor } };
}

export interface IssuerUnderTest {
  env: TestEnv;
  orm: Orm;
  kek: Buffer;
  /** Starts one more issuer replica on the same database and prefix. */
  addReplica(): Promise<RunningService>;
  account(fields?: Partial<Pick<Account, "name" | "type">>): Promise<Account>;
  product(code: string, fields?: Record<string, unknown>): Promise<Product>;
  stop(): Promise<void>;
}

/** A catalog and an issuer on this test file's own database and subject prefix. */
export async function startIssuer(
  options: { defaultNotifyDays?: number; timeZone?: string; builtinPresets?: boolean } = {},
): Promise<IssuerUnderTest> {
  const env = await createTestEnv();
  await ensureEventStream(env.nc, env.prefix);
  const kek = randomBytes(32);
  const catalogOrm = await openCatalogDatabase(env.databaseUrl, env.log);
  const catalogService = createCatalogService({
    nc: await env.connect("catalog"),
    orm: catalogOrm,
    prefix: env.prefix,
    log: env.log,
  });
  await catalogService.start();
  const orm = await openIssuerDatabase(env.databaseUrl, env.log);
  const services: RunningService[] = [];
  const orms: Orm[] = [];
  const addReplica = async () => {
    const replicaOrm = orms.length === 0 ? orm : await openIssuerDatabase(env.databaseUrl, env.log);
    orms.push(replicaOrm);
    const service = createIssuerService({
      nc: await env.connect("issuer"),
      orm: replicaOrm,
      prefix: env.prefix,
      log: env.log,
      kek,
      defaultNotifyDays: options.defaultNotifyDays ?? 30,
      ...(options.timeZone ? { timeZone: options.timeZone } : {}),
      // Off unless a test is about them: the other tests count the presets they create.
      builtinPresets: options.builtinPresets ?? false,
    });
    await service.start();
    services.push(service);
    return service;
  };
  await addReplica();
  let accounts = 0;
  return {
    env,
    orm,
    kek,
    addReplica,
    account: (fields = {}) =>
      env.bus.request(catalog.createAccount, {
        type: "customer",
        name: `Account ${++accounts}`,
        contacts: [{ name: "Pat Buyer", email: "pat@example.test", role: "Buyer" }],
        ...fields,
      }),
    product: (code, fields = {}) =>
      env.bus.request(catalog.createProduct, {
        code,
        name: code[0]!.toUpperCase() + code.slice(1),
        ...fields,
      }),
    async stop() {
      for (const service of services) await service.stop();
      await catalogService.stop();
      for (const o of orms) await o.close();
      await catalogOrm.close();
      await env.stop();
    },
  };
}

/** A product like the company's collector: modes, features, units and defaults. */
export const collectorProduct = {
  executionModes: [
    { code: "scanning", name: "Scanning" },
    { code: "migration", name: "Migration" },
  ],
  customFeatures: [
    { code: "csharp", name: "C#" },
    { code: "asp", name: "ASP" },
  ],
  unitsTypes: [{ code: "lines", name: "Lines of code" }],
  defaultNotifyDays: 30,
  defaults: {
    kind: "commercial" as const,
    durationDays: 365,
    unitsType: "lines",
    accumulatedUnits: 1_000_000,
    unitsPerExecution: 100_000,
    availableActivations: 3,
    executionModes: ["scanning"],
    customFeatures: ["csharp"],
    seats: 0,
  },
};
