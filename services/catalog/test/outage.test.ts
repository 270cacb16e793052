import { catalog } from "@licensing/contracts";
import { connectNats, ensureEventStream, type RunningService } from "@licensing/platform";
import { createTestEnv, startTcpProxy, type TcpProxy, type TestEnv } from "@licensing/testing";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createCatalogService, openCatalogDatabase } from "../src/service.ts";

// The catalog reaches PostgreSQL and NATS through proxies the test can cut, as if the servers died.
let env: TestEnv;
let pgProxy: TcpProxy;
let natsProxy: TcpProxy;
let serviceNc: NatsConnection;
let service: RunningService;
let closeOrm: () => Promise<void>;

beforeAll(async () => {
  env = await createTestEnv();
  await ensureEventStream(env.nc, env.prefix);
  const pg = new URL(env.databaseUrl);
  pgProxy = await startTcpProxy(pg.hostname, Number(pg.port || 5432));
  pg.hostname = "127.0.0.1";
  pg.port = String(pgProxy.port);
  const nats = new URL(env.natsUrl.replace("nats://", "http://"));
  natsProxy = await startTcpProxy(nats.hostname, Number(nats.port || 4222));
  serviceNc = await connectNats(`nats://127.0.0.1:${natsProxy.port}`, "catalog", env.log);
  const orm = await openCatalogDatabase(pg.toString(), env.log);
  closeOrm = () => orm.close();
  service = createCatalogService({ nc: serviceNc, orm, prefix: env.prefix, log: env.log });
  await service.start();
});
afterAll(async () => {
  await service?.stop();
  await serviceNc?.close();
  // Hangs if a pooled connection leaked during the outage (kysely < 0.29.9 did; see package.json overrides).
  await closeOrm?.();
  await pgProxy?.close();
  await natsProxy?.close();
  await env?.stop();
}, 20_000);

const create = (name: string) =>
  env.bus.request(catalog.createAccount, { type: "customer", name }, { timeoutMs: 5_000 });

/** How long a service may take to notice an outage or its end (reconnects back off). */
const recovery = { timeout: 20_000, interval: 200 };

describe("when PostgreSQL or NATS goes away", () => {
  it("answers service_unavailable while PostgreSQL is down, and recovers by itself", async () => {
    await create("before the outage");
    await pgProxy.cut();
    // The database's error, not the bus's timeout: the service answered, and said why.
    await expect(create("during the outage")).rejects.toMatchObject({
      code: "service_unavailable",
      message: expect.stringMatching(/database/),
    });
    await pgProxy.restore();
    const after = await vi.waitFor(() => create("after the outage"), recovery);
    expect(after.name).toBe("after the outage");
  });

  it("answers service_unavailable while the service is cut off from NATS, and recovers by itself", async () => {
    await natsProxy.cut();
    await vi.waitFor(
      () => expect(create("unreachable")).rejects.toMatchObject({ code: "service_unavailable" }),
      recovery,
    );
    await natsProxy.restore();
    const after = await vi.waitFor(() => create("reconnected"), recovery);
    expect(after.name).toBe("reconnected");
  });
});
