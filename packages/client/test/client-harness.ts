import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { DistributionUnderTest } from "@licensing/distribution/testing";
import { databaseFile } from "../src/file-storage.ts";
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

/**
 * What a person with a SQLite tool sees in a state folder (`state.sqlite`, a row per line of each
 * value): the value stored under a key, which they may replace or delete. Each call opens its own
 * connection, beside the product's.
 */
export const stateOnDisk = {
  read(dir: string, key: string): string | null {
    return onDisk(dir, (db) => {
      const row = db.prepare(
        "SELECT string_agg(text, char(10) ORDER BY n) AS value FROM lines WHERE key = ?",
      );
      return (row.get(key)?.value as string | null) ?? null;
    });
  },
  write(dir: string, key: string, value: string): void {
    onDisk(dir, (db) => {
      db.exec("BEGIN");
      db.prepare("DELETE FROM lines WHERE key = ?").run(key);
      const insert = db.prepare("INSERT INTO lines (key, n, text) VALUES (?, ?, ?)");
      for (const [n, line] of value.split("\n").entries()) insert.run(key, n, line);
      db.exec("COMMIT");
    });
  },
  remove(dir: string, key: string): void {
    onDisk(dir, (db) => db.prepare("DELETE FROM lines WHERE key = ?").run(key));
  },
};

function onDisk<T>(dir: string, use: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(join(dir, databaseFile));
  try {
    return use(db);
  } finally {
    db.close();
  }
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
