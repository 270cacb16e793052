// A real distribution service beside a gateway under test (its harness runs catalog and issuer), on
// the same database and subjects, listening on a free local port: tests act as products do, over
// its HTTP API, and read the result through the gateway. Also used by ui/test/browser.
import {
  createDistributionService,
  type DistributionService,
  licenseFilesStream,
  openDistributionDatabase,
  releasesStream,
} from "@licensing/distribution";
import type { GatewayUnderTest } from "@licensing/gateway/testing";
import { jetstreamManager } from "@nats-io/jetstream";

export interface ProductAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface DistributionBeside {
  service: DistributionService;
  /** http://127.0.0.1:<port> */
  url: string;
  /** A call to the products' API (`/v1/…`) with a license key, as a product makes it. */
  product(method: "GET" | "POST", path: string, key: string, body?: unknown): Promise<ProductAnswer>;
  /** Waits until the distribution service knows the license of `key` (it learns it from events). */
  knows(key: string): Promise<void>;
  /** Stops it (again: nothing happens). */
  stop(): Promise<void>;
}

/** Starts it once the harness is up (it needs the event stream); stop it before the harness. */
export async function startDistributionBeside(
  gw: GatewayUnderTest,
  options: { syncTokens?: string[] } = {},
): Promise<DistributionBeside> {
  const { env } = gw;
  const orm = await openDistributionDatabase(env.databaseUrl, env.log);
  const service = createDistributionService({
    nc: await env.connect("distribution"),
    orm,
    prefix: env.prefix,
    log: env.log,
    listen: { port: 0, host: "127.0.0.1" },
    rateLimits: { perIp: 0, perKey: 0 },
    ...(options.syncTokens ? { syncTokens: options.syncTokens } : {}),
    timings: { cacheTtlMs: 0 },
  });
  await service.start();
  const url = service.url()!;
  let stopped = false;

  const product: DistributionBeside["product"] = async (method, path, key, body) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `License ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  return {
    service,
    url,
    product,
    async knows(key) {
      const deadline = Date.now() + 15_000;
      while ((await product("GET", "/v1/usage", key)).status === 404) {
        if (Date.now() > deadline) throw new Error("the license did not reach the distribution service");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await service.stop();
      const jsm = await jetstreamManager(env.nc);
      await jsm.streams.delete(licenseFilesStream(env.prefix)).catch(() => {});
      await jsm.streams.delete(releasesStream(env.prefix)).catch(() => {});
      await orm.close();
    },
  };
}
