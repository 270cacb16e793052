import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DistributionUnderTest } from "@licensing/distribution/testing";
import {
  LicenseError,
  LicenseManager,
  type LicenseManagerOptions,
  MemoryStorage,
  type TrustedKey,
} from "../src/index.ts";

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

/** A server address where nothing listens (the network is cut). */
export const unreachable = "http://127.0.0.1:9";

/** The reason of the LicenseError a call is refused with (fails the test if it is not refused). */
export async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof LicenseError)) throw new Error(`expected a LicenseError, got ${String(error)}`);
  return error.reason;
}

/** The license's balance as the server knows it. */
export async function serverBalance(
  t: DistributionUnderTest,
  licenseKey: string,
): Promise<{ unitsConsumed: number; unitsRemaining: number }> {
  const response = await fetch(`${t.url}/v1/usage`, { headers: { authorization: `License ${licenseKey}` } });
  return (await response.json()) as { unitsConsumed: number; unitsRemaining: number };
}
