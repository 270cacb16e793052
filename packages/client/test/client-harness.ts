import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DistributionUnderTest } from "@licensing/distribution/testing";
import { LicenseManager, type LicenseManagerOptions, MemoryStorage, type TrustedKey } from "../src/index.ts";

/** The keys a product would pin, from GET /v1/keys. */
export async function pinnedKeys(t: DistributionUnderTest): Promise<TrustedKey[]> {
  const response = await fetch(`${t.url}/v1/keys`);
  return ((await response.json()) as { keys: TrustedKey[] }).keys;
}

/** A LicenseManager for the collector, talking to the service under test over real HTTP. */
export async function manager(
  t: DistributionUnderTest,
  options: Partial<LicenseManagerOptions> = {},
): Promise<LicenseManager> {
  return new LicenseManager({
    product: "collector",
    serverUrl: t.url,
    trustedKeys: await pinnedKeys(t),
    storage: new MemoryStorage(),
    fingerprint: `machine-${Math.random().toString(36).slice(2, 12)}`,
    proxy: false,
    ...options,
  });
}

export function temporaryDir(): string {
  return mkdtempSync(join(tmpdir(), "licensing-client-"));
}
