// The pieces of a legacy import that are about items rather than the flow: what an item is once
// read, its identity and content hash, the locks that serialize imports of it, and its error.
import { createHash } from "node:crypto";
import {
  type Account,
  type Actor,
  AppError,
  type LegacyImportResult,
  type LegacyLicenseItem,
  type Product,
  type RequestContext,
} from "@licensing/contracts";
import { canonicalize, parseLegacyKey, type Signer } from "@licensing/model";
import { type EntityManager, query } from "@licensing/platform";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { LicenseRow } from "./entities.ts";

/** One item, read: what every step needs of it. */
export interface Prepared {
  index: number;
  item: LegacyLicenseItem;
  runId: string;
  legacyKeyHash: string;
  itemHash: string;
  account: Account;
  products: Product[];
  signer: Signer;
  actor: Actor;
  ctx: RequestContext;
}

/** A new license signed in memory, ready to store. */
export interface NewLicense {
  p: Prepared;
  row: LicenseRow;
  file: string;
  now: Date;
}

export function originKey(p: Prepared): string {
  return `${p.item.legacy.source} ${p.item.legacy.id}`;
}

/**
 * The items in groups that must go one after the other: those sharing a legacy license or a GUID
 * (transitively), each group in request order.
 */
export function inTurns(items: Prepared[]): Prepared[][] {
  const groupOf = new Map<string, Prepared[]>();
  const groups: Prepared[][] = [];
  for (const p of items) {
    const keys = [originKey(p), `key ${p.legacyKeyHash}`];
    const joined = [...new Set(keys.map((key) => groupOf.get(key)).filter((g) => g !== undefined))];
    const group = joined[0] ?? [];
    if (joined.length === 0) groups.push(group);
    for (const other of joined.slice(1)) {
      group.push(...other);
      other.length = 0;
    }
    group.push(p);
    group.sort((a, b) => a.index - b.index);
    for (const member of group)
      for (const key of [originKey(member), `key ${member.legacyKeyHash}`]) groupOf.set(key, group);
  }
  return groups.filter((group) => group.length > 0);
}

export function countBy<T>(list: T[], keys: (item: T) => string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of list) for (const key of keys(item)) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/**
 * Serializes imports of the same legacy licenses and GUIDs (another replica, a re-run started
 * twice): the second sees what the first committed (unchanged, or the key's holder) instead of
 * failing on a unique constraint. Every lock of the licenses in one statement, then every lock of
 * the keys, each in a stable order, so two imports never wait for each other.
 */
export async function lockItems(em: EntityManager, items: Prepared[]): Promise<void> {
  await query(
    em,
    `select pg_advisory_xact_lock(hashtext('issuer legacy license'), hashtext(k))
       from unnest($1::text[]) k order by hashtext(k)`,
    [[...new Set(items.map(originKey))]],
  );
  await query(
    em,
    `select pg_advisory_xact_lock(hashtext('issuer legacy key'), hashtext(k))
       from unnest($1::text[]) k order by hashtext(k)`,
    [[...new Set(items.map((p) => p.legacyKeyHash))]],
  );
}

/**
 * What identifies an item's content: SHA-256 of its canonical JSON, the legacy key in its normal
 * form (a GUID spelled otherwise is the same item).
 */
export function itemHash(item: LegacyLicenseItem): string {
  const normal = { ...item, legacy: { ...item.legacy, key: parseLegacyKey(item.legacy.key) } };
  return createHash("sha256").update(canonicalize(normal)).digest("hex");
}

export function snapshotOf(row: LicenseRow): Record<string, unknown> {
  const { keyEnc: _key, version: _version, createdAt: _created, updatedAt: _updated, ...fields } = row;
  return JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
}

/** An item's failure as its answer says it; a failure of the service itself fails the request. */
export function itemError(error: unknown): NonNullable<LegacyImportResult["error"]> {
  if (error instanceof UniqueConstraintViolationException) {
    return {
      code: "conflict",
      message: "Another import of the same legacy license or key committed first; run the batch again",
    };
  }
  if (!(error instanceof AppError) || error.code === "internal" || error.code === "service_unavailable")
    throw error;
  return {
    code: error.code,
    message: error.message,
    ...(error.details?.issues ? { issues: error.details.issues } : {}),
  };
}
