import { trackedProperties } from "@licensing/platform";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** The current state of a license. Every signed version is kept in LicenseVersion. */
export const LicenseEntity = defineEntity({
  name: "License",
  tableName: "licenses",
  properties: {
    id: p.string().primary(),
    keyHash: p.string(),
    keyHint: p.string(),
    keyEnc: p.blob(),
    accountId: p.string(),
    accountName: p.string(),
    kind: p.enum(["commercial", "test"] as const),
    internal: p.boolean(),
    licenseType: p.string(),
    products: p.array(),
    productNames: p.array(),
    unitsType: p.string(),
    accumulatedUnits: p.integer(),
    unitsPerExecution: p.integer(),
    startDate: p.datetime(),
    endDate: p.datetime().nullable(),
    availableActivations: p.integer(),
    fingerprint: p.string().nullable(),
    executionModes: p.array(),
    customFeatures: p.array(),
    notifyDays: p.integer().nullable(),
    seats: p.integer(),
    metadata: p.json<Record<string, string>>(),
    friendlyRestrictions: p.json<{ key: string; value: string }[]>(),
    ownerCompany: p.string(),
    ownerName: p.string().nullable(),
    ownerEmail: p.string().nullable(),
    ownerIpAddress: p.string().nullable(),
    createdAtComputer: p.string().nullable(),
    encrypted: p.boolean(),
    state: p.enum(["active", "suspended", "revoked"] as const),
    stateReason: p.string().nullable(),
    serial: p.integer(),
    keyId: p.string(),
    signedAt: p.datetime(),
    dateIssued: p.datetime(),
    createdBy: p.string(),
    createdByName: p.string(),
    batchId: p.string().nullable(),
    presetId: p.string().nullable(),
    ...trackedProperties(),
  },
});
export type LicenseRow = InferEntity<typeof LicenseEntity>;

/** One signed file of a license, byte for byte as it was issued. */
export const LicenseVersionEntity = defineEntity({
  name: "LicenseVersion",
  tableName: "license_versions",
  properties: {
    licenseId: p.string().primary(),
    serial: p.integer().primary(),
    keyId: p.string(),
    signedAt: p.datetime(),
    reason: p.enum(["issued", "renewed", "reissued"] as const),
    endDate: p.datetime().nullable(),
    file: p.text().lazy(),
    createdBy: p.string(),
    createdByName: p.string(),
  },
});
export type LicenseVersionRow = InferEntity<typeof LicenseVersionEntity>;

export const AuditEntryEntity = defineEntity({
  name: "AuditEntry",
  tableName: "audit_entries",
  properties: {
    id: p.string().primary(),
    licenseId: p.string().nullable(),
    action: p.string(),
    actorId: p.string(),
    actorName: p.string(),
    requestId: p.string().nullable(),
    reason: p.string().nullable(),
    changes: p.json<Record<string, [unknown, unknown]>>(),
    at: p.datetime(),
  },
});
export type AuditEntryRow = InferEntity<typeof AuditEntryEntity>;

export const PresetEntity = defineEntity({
  name: "Preset",
  tableName: "presets",
  properties: {
    id: p.string().primary(),
    name: p.string(),
    description: p.text(),
    parameters: p.json<Record<string, unknown>>(),
    createdBy: p.string(),
    ...trackedProperties(),
  },
});
export type PresetRow = InferEntity<typeof PresetEntity>;

export const SigningKeyEntity = defineEntity({
  name: "SigningKey",
  tableName: "signing_keys",
  properties: {
    keyId: p.string().primary(),
    publicKey: p.blob(),
    privateKeyEnc: p.blob().lazy(),
    status: p.enum(["active", "retired"] as const),
    createdAt: p.datetime(),
    retiredAt: p.datetime().nullable(),
  },
});
export type SigningKeyRow = InferEntity<typeof SigningKeyEntity>;

export const IdempotencyKeyEntity = defineEntity({
  name: "IdempotencyKey",
  tableName: "idempotency_keys",
  properties: {
    scope: p.string().primary(),
    key: p.string().primary(),
    requestHash: p.string(),
    response: p.json<unknown>(),
    createdAt: p.datetime(),
  },
});

export const issuerEntities = [
  LicenseEntity,
  LicenseVersionEntity,
  AuditEntryEntity,
  PresetEntity,
  SigningKeyEntity,
  IdempotencyKeyEntity,
];
