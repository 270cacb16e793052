import { AppError } from "@licensing/contracts";
import { type Orm, queryOne } from "@licensing/platform";
import { LRUCache } from "lru-cache";
import { iso, isoOrNull, type Timestamp } from "./rows.ts";

/** What the distribution service knows of a license: its newest file, state and limits. */
export interface LicenseRecord {
  licenseId: string;
  keyHash: string;
  /** The hash of a migrated license's legacy key (GUID), accepted as its key; null for others. */
  legacyKeyHash: string | null;
  accountId: string;
  state: "active" | "suspended" | "revoked";
  serial: number;
  file: string;
  encrypted: boolean;
  products: string[];
  kind: "commercial" | "test";
  startDate: string;
  endDate: string | null;
  availableActivations: number;
  accumulatedUnits: number;
  unitsPerExecution: number;
  seats: number;
  fingerprint: string | null;
  /** The execution modes the newest file allows; null when not known (older events). */
  executionModes: string[] | null;
}

export interface LicenseRow {
  license_id: string;
  key_hash: string;
  legacy_key_hash: string | null;
  account_id: string;
  state: LicenseRecord["state"];
  serial: number;
  file: string;
  encrypted: boolean;
  products: string[];
  kind: LicenseRecord["kind"];
  start_date: Timestamp;
  end_date: Timestamp | null;
  available_activations: number;
  accumulated_units: string | number;
  units_per_execution: string | number;
  seats: number;
  fingerprint: string | null;
  execution_modes: string[] | null;
}

export const licenseColumns = `license_id, key_hash, legacy_key_hash, account_id, state, serial, file, encrypted, products, kind,
  start_date, end_date, available_activations, accumulated_units, units_per_execution, seats, fingerprint,
  execution_modes`;

export function toRecord(row: LicenseRow): LicenseRecord {
  return {
    licenseId: row.license_id,
    keyHash: row.key_hash,
    legacyKeyHash: row.legacy_key_hash ?? null,
    accountId: row.account_id,
    state: row.state,
    serial: row.serial,
    file: row.file,
    encrypted: row.encrypted,
    products: row.products,
    kind: row.kind,
    startDate: iso(row.start_date),
    endDate: isoOrNull(row.end_date),
    availableActivations: row.available_activations,
    accumulatedUnits: Number(row.accumulated_units),
    unitsPerExecution: Number(row.units_per_execution),
    seats: row.seats,
    fingerprint: row.fingerprint,
    executionModes: row.execution_modes,
  };
}

/**
 * Licenses by key hash, from the read model, with a short in-memory cache: a download is then a
 * hash and a map lookup. A change (suspension, new file) reaches every replica within the cache's
 * time to live; the replica that applied it forgets its entry at once.
 */
export class LicenseDirectory {
  readonly #orm: Orm;
  readonly #cache: LRUCache<string, LicenseRecord> | undefined;

  constructor(orm: Orm, ttlMs: number) {
    this.#orm = orm;
    // Bounded by entries and by bytes: a license file may be megabytes (docs/distribution.md).
    this.#cache =
      ttlMs > 0
        ? new LRUCache({
            max: 100_000,
            maxSize: 256 * 1024 * 1024,
            sizeCalculation: (record) => record.file.length + 1_024,
            ttl: ttlMs,
          })
        : undefined;
  }

  /**
   * The license a key's lookup hash names: an `LK-` key's (`key_hash`), or a migrated license's
   * legacy GUID's (`legacy_key_hash`, when `legacy`). One query on a unique index either way.
   */
  async byKeyHash(keyHash: string, legacy = false): Promise<LicenseRecord | undefined> {
    const cached = this.#cache?.get(keyHash);
    if (cached) return cached;
    const row = await queryOne<LicenseRow>(
      this.#orm,
      `select ${licenseColumns} from distribution.licenses where ${legacy ? "legacy_key_hash" : "key_hash"} = $1`,
      [keyHash],
    );
    if (!row) return undefined;
    const record = toRecord(row);
    this.#cache?.set(keyHash, record);
    return record;
  }

  forget(keyHash: string): void {
    this.#cache?.delete(keyHash);
  }
}

/** A license by id (operators' endpoints name licenses by id), or not_found. */
export async function licenseById(orm: Orm, licenseId: string): Promise<LicenseRecord> {
  const row = await queryOne<LicenseRow>(
    orm,
    `select ${licenseColumns} from distribution.licenses where license_id = $1`,
    [licenseId],
  );
  if (!row) throw new AppError("not_found", `License ${licenseId} has not reached the distribution service`);
  return toRecord(row);
}

/** Refuses a suspended or revoked license, everywhere. */
export function requireNotBlocked(license: LicenseRecord): void {
  if (license.state === "suspended")
    throw new AppError("license_suspended", "This license is suspended; contact your vendor");
  if (license.state === "revoked") throw new AppError("license_revoked", "This license has been revoked");
}

/** Refuses a license that cannot be used now: suspended, revoked, or past its end date. */
export function requireUsable(license: LicenseRecord, now: Date): void {
  requireNotBlocked(license);
  if (license.endDate !== null && Date.parse(license.endDate) <= now.getTime()) {
    throw new AppError("license_expired", `This license ended on ${license.endDate}`);
  }
}

/** Refuses a machine other than the one a fingerprint-bound license names. */
export function requireFingerprintAllowed(license: LicenseRecord, fingerprint: string): void {
  if (license.fingerprint !== null && license.fingerprint !== fingerprint) {
    throw new AppError("fingerprint_mismatch", "This license is bound to another machine");
  }
}

/** -1 when unlimited, else what is left (never below zero). */
export function remaining(limit: number, used: number): number {
  return limit < 0 ? -1 : Math.max(0, limit - used);
}
