import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type DistributionUnderTest, startDistribution } from "@licensing/distribution/testing";
import { createProxy } from "proxy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LicenseError, MemoryStorage } from "../src/index.ts";
import { manager } from "./client-harness.ts";

// A real HTTP proxy on a local port: the client's requests must go through it when told to.
let t: DistributionUnderTest;
let proxy: Server;
let proxyUrl: string;
let proxied = 0;

beforeAll(async () => {
  t = await startDistribution();
  proxy = createProxy(createServer());
  proxy.on("request", () => proxied++);
  proxy.on("connect", () => proxied++);
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await t?.stop();
});

const saved = { ...process.env };
function withEnv(vars: Record<string, string>) {
  for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"])
    delete process.env[name];
  Object.assign(process.env, vars);
  return () => {
    for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"]) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  };
}

describe("proxies", () => {
  it("go through an explicit proxy option", async () => {
    const { licenseKey } = await t.issue();
    const before = proxied;
    const m = await manager(t, { licenseKey, proxy: proxyUrl });
    await m.fetchLicense();
    expect((await m.checkConnectivity()).online).toBe(true);
    expect(proxied).toBeGreaterThan(before);
  });

  it("follow HTTP(S)_PROXY from the environment, and NO_PROXY", async () => {
    const { licenseKey } = await t.issue();
    let restore = withEnv({ HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl });
    try {
      const before = proxied;
      const m = await manager(t, { licenseKey, proxy: undefined });
      await m.fetchLicense();
      expect(proxied).toBeGreaterThan(before);
    } finally {
      restore();
    }
    restore = withEnv({ HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, NO_PROXY: "127.0.0.1" });
    try {
      const before = proxied;
      const m = await manager(t, { licenseKey, proxy: undefined });
      await m.fetchLicense();
      expect(proxied).toBe(before);
    } finally {
      restore();
    }
  });

  it("report an unreachable proxy as a network error (usage then queues)", async () => {
    const { licenseKey, file } = await t.issue({ availableActivations: -1 });
    // An installation works offline only once it has reached the server (docs/client.md).
    const storage = new MemoryStorage();
    await (await manager(t, { licenseKey, storage, fingerprint: "proxied-machine" })).checkStatus();
    const m = await manager(t, {
      licenseKey,
      storage,
      fingerprint: "proxied-machine",
      proxy: "http://127.0.0.1:9",
    });
    const error = await m.fetchLicense().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LicenseError);
    expect((error as LicenseError).reason).toBe("network_error");
    await m.load(file);
    expect((await m.authorizeExecution({ units: 1 })).queued).toBe(true);
  });
});
