import { trackedProperties } from "@licensing/platform";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import { statsEntities } from "./stats-entities.ts";

/** The current state of a license. Every signed version is kept in LicenseVersion. */
export const LicenseEntity = defineEntity({
  name: "License",
  tableName: "licenses",
  properties: {
    id: p.text().primary(),
    keyHash: p.text(),
    keyHint: p.text(),
    keyEnc: p.blob(),
    accountId: p.text(),
    accountName: p.text(),
    kind: p.enum(["commercial", "test"] as const),
    internal: p.boolean(),
    licenseType: p.text(),
    products: p.array(),
    productNames: p.array(),
    unitsType: p.text(),
    accumulatedUnits: p.integer(),
    unitsPerExecution: p.integer(),
    startDate: p.datetime(),
    endDate: p.datetime().nullable(),
    availableActivations: p.integer(),
    fingerprint: p.text().nullable(),
    executionModes: p.array(),
    customFeatures: p.array(),
    notifyDays: p.integer().nullable(),
    seats: p.integer(),
    metadata: p.json<Record<string, string>>(),
    friendlyRestrictions: p.json<{ key: string; value: string }[]>(),
    ownerCompany: p.text(),
    ownerName: p.text().nullable(),
    ownerEmail: p.text().nullable(),
    ownerIpAddress: p.text().nullable(),
    createdAtComputer: p.text().nullable(),
    encrypted: p.boolean(),
    state: p.enum(["active", "suspended", "revoked"] as const),
    stateReason: p.text().nullable(),
    serial: p.integer(),
    keyId: p.text(),
    signedAt: p.datetime(),
    dateIssued: p.datetime(),
    createdBy: p.text(),
    createdByName: p.text(),
    batchId: p.text().nullable(),
    presetId: p.text().nullable(),
    /** SHA-256 of the normalized legacy key (GUID) of a migrated license: an accepted alias of its key. */
    legacyKeyHash: p.text().nullable(),
    ...trackedProperties(),
  },
  uniques: [
    { name: "licenses_key_hash_key", properties: ["keyHash"] },
    // A GUID names one license, whichever legacy record brings it.
    { name: "licenses_legacy_key_hash_key", properties: ["legacyKeyHash"] },
  ],
  // Keyset pages for each sort of the licenses table, and the filters it offers.
  indexes: [
    { name: "licenses_by_created", properties: ["createdAt", "id"] },
    {
      name: "licenses_by_end",
      expression: "create index licenses_by_end on issuer.licenses (coalesce(end_date, 'infinity'), id)",
    },
    { name: "licenses_by_start", properties: ["startDate", "id"] },
    {
      name: "licenses_by_account_name",
      expression: "create index licenses_by_account_name on issuer.licenses (lower(account_name), id)",
    },
    {
      name: "licenses_account_name_trigrams",
      expression:
        "create index licenses_account_name_trigrams on issuer.licenses using gin (lower(account_name) public.gin_trgm_ops)",
    },
    { name: "licenses_by_account", properties: ["accountId", "createdAt"] },
    // The dashboard's precise counts and horizon edges read this index alone.
    {
      name: "licenses_active_by_end_notice",
      properties: ["endDate"],
      include: ["notifyDays"],
      where: "state = 'active'",
    },
    { name: "licenses_by_state", properties: ["state"], where: "state <> 'active'" },
    { name: "licenses_by_product", properties: ["products"], type: "gin" },
    // No index on the creator: its filter matches the id or the name (license-queries.ts), an
    // or that an index of one column cannot serve, and every issuance paid for keeping one.
    { name: "licenses_by_key_hint", properties: ["keyHint"] },
  ],
});
export type LicenseRow = InferEntity<typeof LicenseEntity>;

/** The first version of a license just issued: its row as signed, its file, and who issued it. */
export function firstVersion(row: LicenseRow, file: string, issuedBy: { id: string; username: string }) {
  return {
    licenseId: row.id,
    serial: row.serial,
    keyId: row.keyId,
    signedAt: row.signedAt,
    reason: "issued" as const,
    endDate: row.endDate,
    file,
    createdBy: issuedBy.id,
    createdByName: issuedBy.username,
  };
}

/** One signed file of a license, byte for byte as it was issued. */
export const LicenseVersionEntity = defineEntity({
  name: "LicenseVersion",
  tableName: "license_versions",
  properties: {
    licenseId: () =>
      p
        .manyToOne(LicenseEntity)
        .mapToPk()
        .primary()
        .fieldName("license_id")
        .foreignKeyName("license_versions_license_id_fkey"),
    serial: p.integer().primary(),
    keyId: p.text(),
    signedAt: p.datetime(),
    reason: p.enum(["issued", "renewed", "reissued", "amended"] as const),
    endDate: p.datetime().nullable(),
    file: p.text().lazy(),
    createdBy: p.text(),
    createdByName: p.text(),
  },
});
export type LicenseVersionRow = InferEntity<typeof LicenseVersionEntity>;

export const PresetEntity = defineEntity({
  name: "Preset",
  tableName: "presets",
  properties: {
    id: p.text().primary(),
    name: p.text(),
    description: p.text(),
    parameters: p.json<Record<string, unknown>>(),
    createdBy: p.text(),
    ...trackedProperties(),
  },
  uniques: [
    {
      name: "presets_by_name",
      expression: "create unique index presets_by_name on issuer.presets (lower(name))",
    },
  ],
});
export type PresetRow = InferEntity<typeof PresetEntity>;

/**
 * The products whose built-in presets were created (builtin-presets.ts): once per product, ever. The
 * row outlives the presets, so a built-in preset an operator deleted stays deleted, and its primary
 * key makes two replicas seeding the same product at once create one set.
 */
export const PresetSeedEntity = defineEntity({
  name: "PresetSeed",
  tableName: "preset_seeds",
  properties: {
    productCode: p.text().primary(),
    seededAt: p.datetime(),
  },
});

export const SigningKeyEntity = defineEntity({
  name: "SigningKey",
  tableName: "signing_keys",
  properties: {
    keyId: p.text().primary(),
    /** What the key signs (keyRoles): license files and their documents, or release indexes. */
    role: p.enum(["license", "release"] as const).default("license"),
    publicKey: p.blob(),
    privateKeyEnc: p.blob().lazy(),
    status: p.enum(["active", "retired"] as const),
    createdAt: p.datetime(),
    retiredAt: p.datetime().nullable(),
  },
  // One active key per role at a time, also when two replicas start together.
  uniques: [{ name: "signing_keys_one_active_per_role", properties: ["role"], where: "status = 'active'" }],
});
export type SigningKeyRow = InferEntity<typeof SigningKeyEntity>;

export const IdempotencyKeyEntity = defineEntity({
  name: "IdempotencyKey",
  tableName: "idempotency_keys",
  properties: {
    scope: p.text().primary(),
    key: p.text().primary(),
    requestHash: p.text(),
    response: p.json<unknown>(),
    createdAt: p.datetime(),
  },
});

/**
 * Where a migrated license comes from (issue 14): its legacy source and id (what makes an import
 * idempotent), the runs that created and last imported it, and the legacy LicenseFile text, kept as
 * provenance and never re-signed.
 */
export const LegacyLicenseEntity = defineEntity({
  name: "LegacyLicense",
  tableName: "legacy_licenses",
  properties: {
    source: p.enum(["studio", "vbuc-cli", "vbuc-sales"] as const).primary(),
    legacyId: p.text().primary(),
    licenseId: () =>
      p
        .manyToOne(LicenseEntity)
        .mapToPk()
        .fieldName("license_id")
        .foreignKeyName("legacy_licenses_license_id_fkey")
        .unique("legacy_licenses_license_id_key"),
    /** The run that created the license: a rollback of that run removes it. */
    createdRunId: p.text(),
    /** The run that imported it last. */
    runId: p.text(),
    /** SHA-256 of the item as last imported: the same item again is `unchanged`. */
    itemHash: p.text(),
    /** The license's row version right after its last import: anything else since is a change. */
    importedVersion: p.integer(),
    dateIssued: p.datetime(),
    createdBy: p.text(),
    licenseFile: p.text().nullable().lazy(),
    importedAt: p.datetime(),
  },
  // A rollback finds a run's licenses: those it created and those it imported last.
  indexes: [
    { name: "legacy_licenses_by_created_run", properties: ["createdRunId"] },
    { name: "legacy_licenses_by_run", properties: ["runId"] },
  ],
});
export type LegacyLicenseRow = InferEntity<typeof LegacyLicenseEntity>;

export const issuerEntities = [
  LicenseEntity,
  LicenseVersionEntity,
  PresetEntity,
  PresetSeedEntity,
  SigningKeyEntity,
  IdempotencyKeyEntity,
  LegacyLicenseEntity,
  ...statsEntities,
];
