import type { LicenseDetail, LicenseEvent, LicenseSummary } from "@licensing/contracts";
import type { License } from "@licensing/model";
import type { LicenseRow } from "./entities.ts";
import type { ExpiryRule } from "./expiry.ts";
import { licensingFormatVersion } from "./license-draft.ts";

/** What a summary needs of a license row. */
export type SummaryRow = Pick<
  LicenseRow,
  | "id"
  | "keyHint"
  | "accountId"
  | "accountName"
  | "kind"
  | "internal"
  | "products"
  | "state"
  | "startDate"
  | "endDate"
  | "notifyDays"
  | "seats"
  | "availableActivations"
  | "serial"
  | "createdBy"
  | "createdByName"
  | "createdAt"
  | "updatedAt"
>;

/**
 * A SummaryRow from a raw row selected with `summaryColumns` (no ORM mapping on the list paths;
 * the driver, as MikroORM configures it, leaves timestamps as text).
 */
export function summaryRow(raw: Record<string, unknown>): SummaryRow {
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
  return {
    ...(raw as unknown as SummaryRow),
    startDate: date(raw.startDate)!,
    endDate: date(raw.endDate),
    createdAt: date(raw.createdAt)!,
    updatedAt: date(raw.updatedAt)!,
  };
}

/** Selects a SummaryRow from `licenses l` (see summaryRow). */
export const summaryColumns = [
  "l.id",
  'l.key_hint as "keyHint"',
  'l.account_id as "accountId"',
  'l.account_name as "accountName"',
  "l.kind",
  "l.internal",
  "l.products",
  "l.state",
  'l.start_date as "startDate"',
  'l.end_date as "endDate"',
  'l.notify_days as "notifyDays"',
  "l.seats",
  'l.available_activations as "availableActivations"',
  "l.serial",
  'l.created_by as "createdBy"',
  'l.created_by_name as "createdByName"',
  'l.created_at as "createdAt"',
  'l.updated_at as "updatedAt"',
].join(", ");

export function toSummary(row: SummaryRow, now: Date, expiry: ExpiryRule): LicenseSummary {
  return {
    id: row.id,
    keyHint: row.keyHint,
    accountId: row.accountId,
    accountName: row.accountName,
    kind: row.kind,
    internal: row.internal,
    products: row.products,
    status: expiry.status(row, now),
    state: row.state,
    startDate: row.startDate.toISOString(),
    endDate: row.endDate?.toISOString() ?? null,
    notifyDays: row.notifyDays ?? null,
    seats: row.seats,
    availableActivations: row.availableActivations,
    serial: row.serial,
    createdBy: row.createdBy,
    createdByName: row.createdByName,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toDetail(row: LicenseRow, now: Date, expiry: ExpiryRule): LicenseDetail {
  return {
    ...toSummary(row, now, expiry),
    licenseType: row.licenseType,
    productFriendlyNames: row.productNames,
    unitsType: row.unitsType,
    accumulatedUnits: row.accumulatedUnits,
    unitsPerExecution: row.unitsPerExecution,
    fingerprint: row.fingerprint ?? null,
    executionModes: row.executionModes,
    customFeatures: row.customFeatures,
    metadata: row.metadata,
    friendlyRestrictions: row.friendlyRestrictions,
    ownerCompany: row.ownerCompany,
    ownerName: row.ownerName ?? null,
    ownerEmail: row.ownerEmail ?? null,
    ownerIpAddress: row.ownerIpAddress ?? null,
    createdAtComputer: row.createdAtComputer ?? null,
    encrypted: row.encrypted,
    keyId: row.keyId,
    signedAt: row.signedAt.toISOString(),
    dateIssued: row.dateIssued.toISOString(),
    stateReason: row.stateReason ?? null,
    batchId: row.batchId ?? null,
    presetId: row.presetId ?? null,
  };
}

/** The fields of a row that come from the signed license. */
export function licenseFields(license: License) {
  return {
    kind: license.kind,
    internal: license.internal,
    licenseType: license.licenseType,
    products: license.products,
    productNames: license.productFriendlyNames,
    unitsType: license.unitsType,
    accumulatedUnits: license.accumulatedUnits,
    unitsPerExecution: license.unitsPerExecution,
    startDate: new Date(license.startDate),
    endDate: license.endDate ? new Date(license.endDate) : null,
    availableActivations: license.availableActivations,
    fingerprint: license.fingerprint,
    executionModes: license.executionModes,
    customFeatures: license.allowedCustomFeatures,
    notifyDays: license.notifyDays,
    seats: license.seats,
    metadata: license.metadata,
    friendlyRestrictions: license.friendlyRestrictions,
    ownerCompany: license.ownerCompany,
    ownerName: license.ownerName,
    ownerEmail: license.ownerEmail,
    ownerIpAddress: license.ownerIpAddress,
    createdAtComputer: license.createdAtComputer,
    serial: license.serial,
    keyId: license.keyId,
    signedAt: new Date(license.signedAt),
    dateIssued: new Date(license.dateIssued),
  };
}

/** The license a row describes, to sign a new version of it. */
export function licenseOf(row: LicenseRow): License {
  return {
    accountId: row.accountId,
    accumulatedUnits: row.accumulatedUnits,
    allowedCustomFeatures: row.customFeatures,
    availableActivations: row.availableActivations,
    createdAtComputer: row.createdAtComputer ?? null,
    createdBy: row.createdByName,
    dateIssued: row.dateIssued.toISOString(),
    endDate: row.endDate?.toISOString() ?? null,
    executionModes: row.executionModes,
    fingerprint: row.fingerprint ?? null,
    friendlyRestrictions: row.friendlyRestrictions,
    id: row.id,
    internal: row.internal,
    keyId: row.keyId,
    kind: row.kind,
    licenseType: row.licenseType,
    licensingAssemblyVersion: licensingFormatVersion,
    metadata: row.metadata,
    notifyDays: row.notifyDays ?? null,
    ownerCompany: row.ownerCompany,
    ownerEmail: row.ownerEmail ?? null,
    ownerIpAddress: row.ownerIpAddress ?? null,
    ownerName: row.ownerName ?? null,
    productFriendlyNames: row.productNames,
    products: row.products,
    seats: row.seats,
    serial: row.serial,
    signedAt: row.signedAt.toISOString(),
    startDate: row.startDate.toISOString(),
    unitsPerExecution: row.unitsPerExecution,
    unitsType: row.unitsType,
  };
}

/** What consumers of license events need, the signed file included. */
export function toEvent(row: LicenseRow, file: string, reason: string | null): LicenseEvent {
  return {
    licenseId: row.id,
    keyHash: row.keyHash,
    accountId: row.accountId,
    state: row.state,
    serial: row.serial,
    file,
    encrypted: row.encrypted,
    products: row.products,
    kind: row.kind,
    internal: row.internal,
    startDate: row.startDate.toISOString(),
    endDate: row.endDate?.toISOString() ?? null,
    availableActivations: row.availableActivations,
    accumulatedUnits: row.accumulatedUnits,
    unitsPerExecution: row.unitsPerExecution,
    seats: row.seats,
    fingerprint: row.fingerprint ?? null,
    executionModes: row.executionModes,
    reason,
    at: new Date().toISOString(),
    legacyKeyHash: row.legacyKeyHash ?? null,
  };
}
