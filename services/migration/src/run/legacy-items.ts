// A mapped legacy license as the platform's services take it: the issuer's import item, and the
// consumption distribution carries (docs/migration.md, "From a row to a license").
import { isIP } from "node:net";
import type { LegacyConsumptionItem, LegacyLicenseItem } from "@licensing/contracts";
import type { LegacyLicense } from "../mapping/index.ts";

/** Legacy license types (after the mapping's value map) that make a test license. */
const TEST_TYPES = new Set(["trial", "test", "evaluation", "demo"]);
/** Legacy license types that make an internal-use license. */
const INTERNAL_TYPES = new Set(["internal", "not-for-resale", "nfr"]);

const DAY_MS = 86_400_000;

/**
 * The import item of a legacy license. Kind and internal use follow the legacy license type; the
 * notice is shortened to the license's length (the issuer refuses a longer one); an owner address
 * that is not an IP address, and custom features that are not codes, are left out rather than
 * failing the license (the legacy values stay in the legacy file kept as provenance).
 */
export function importItem(license: LegacyLicense, accountId: string | null): LegacyLicenseItem {
  const type = license.licenseType?.toLowerCase() ?? null;
  const features = license.allowedCustomFeatures
    .map((f) => f.trim().toLowerCase().replace(/\s+/g, "-"))
    .filter((f) => /^[a-z][a-z0-9._-]{0,62}$/.test(f));
  const item = {
    accountId: accountId as string,
    products: license.products,
    kind: type !== null && TEST_TYPES.has(type) ? "test" : "commercial",
    ...(type !== null && INTERNAL_TYPES.has(type) ? { internal: true } : {}),
    ...(license.licenseType ? { licenseType: license.licenseType.toLowerCase() } : {}),
    ...(license.unitsType ? { unitsType: license.unitsType.toLowerCase() } : {}),
    ...(license.accumulatedUnits === null ? {} : { accumulatedUnits: license.accumulatedUnits }),
    ...(license.unitsPerExecution === null ? {} : { unitsPerExecution: license.unitsPerExecution }),
    startDate: license.startDate,
    endDate: license.endDate,
    ...(license.availableActivations === null ? {} : { availableActivations: license.availableActivations }),
    ...(license.fingerprint ? { fingerprint: license.fingerprint.slice(0, 512) } : {}),
    ...(license.executionModes.length > 0 ? { executionModes: license.executionModes } : {}),
    ...(features.length > 0 ? { customFeatures: [...new Set(features)] } : {}),
    ...(license.notifyDays === null ? {} : { notifyDays: noticeWithin(license) }),
    ...(license.friendlyRestrictions.length > 0
      ? { friendlyRestrictions: license.friendlyRestrictions.slice(0, 100) }
      : {}),
    ...(license.licensingAssemblyVersion
      ? { metadata: { "legacy.assembly-version": license.licensingAssemblyVersion.slice(0, 2_000) } }
      : {}),
    ownerCompany: license.ownerCompany.slice(0, 300),
    ownerName: license.ownerName?.slice(0, 300) ?? null,
    ownerEmail: license.ownerEmail?.slice(0, 320) ?? null,
    ...(license.ownerIpAddress && isIP(license.ownerIpAddress)
      ? { ownerIpAddress: license.ownerIpAddress }
      : {}),
    ...(license.createdAtComputer ? { createdAtComputer: license.createdAtComputer.slice(0, 300) } : {}),
    legacy: {
      source: license.source,
      id: license.legacyId,
      key: license.guid,
      dateIssued: license.dateIssued,
      createdBy: license.createdBy?.slice(0, 200) || "unknown",
      ...(license.licenseFile === null ? {} : { licenseFile: license.licenseFile }),
    },
  };
  return item as LegacyLicenseItem;
}

function noticeWithin(license: LegacyLicense): number {
  const days = license.notifyDays!;
  if (license.endDate === null) return days;
  const length = Math.floor((Date.parse(license.endDate) - Date.parse(license.startDate)) / DAY_MS);
  return Math.max(0, Math.min(days, length));
}

/**
 * Where the license stood in its legacy system, or null when it had not been used: consumed units,
 * last use, downloads, and its machine when it was bound to a fingerprint and had run.
 */
export function consumptionOf(license: LegacyLicense, licenseId: string): LegacyConsumptionItem | null {
  const lastUse = latest(license.lastUsedDate, license.lastExecutionDate);
  const machines =
    license.fingerprint && lastUse !== null
      ? [
          {
            fingerprint: license.fingerprint.slice(0, 200),
            activatedAt: license.dateIssued,
            lastSeenAt: lastUse,
          },
        ]
      : [];
  const units = license.consumedAccumulatedUnits ?? 0;
  const downloads = license.timesDownloaded ?? 0;
  if (units === 0 && downloads === 0 && lastUse === null && machines.length === 0) return null;
  return { licenseId, unitsConsumed: units, lastUsedAt: lastUse, timesDownloaded: downloads, machines };
}

function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}
