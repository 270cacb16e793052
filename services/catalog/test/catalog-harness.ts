import { ensureEventStream, type Orm } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { createCatalogService, openCatalogDatabase } from "../src/service.ts";

export interface CatalogUnderTest {
  env: TestEnv;
  orm: Orm;
  stop(): Promise<void>;
}

/** A catalog service on this test file's own database and subject prefix. */
export async function startCatalog(): Promise<CatalogUnderTest> {
  const env = await createTestEnv();
  await ensureEventStream(env.nc, env.prefix);
  const nc = await env.connect("catalog");
  const orm = await openCatalogDatabase(env.databaseUrl, env.log);
  const service = createCatalogService({ nc, orm, prefix: env.prefix, log: env.log });
  await service.start();
  return {
    env,
    orm,
    async stop() {
      await service.stop();
      await orm.close();
      await env.stop();
    },
  };
}
