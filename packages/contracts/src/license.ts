import { z } from "zod";
import { codeSchema } from "./catalog.ts";
import { idOf, text, timestamp } from "./schema.ts";

/** Derived from the administrative state, the dates and the notice window; never stored. */
export const licenseStatuses = ["active", "expiring", "expired", "suspended", "revoked"] as const;
export const licenseStatusSchema = z.enum(licenseStatuses);
export type LicenseStatus = z.infer<typeof licenseStatusSchema>;

/** What an operator changes; `revoked` is final. */
export const licenseStates = ["active", "suspended", "revoked"] as const;
export const licenseStateSchema = z.enum(licenseStates);

export const licenseKindSchema = z.enum(["commercial", "test"]);
export type LicenseKind = z.infer<typeof licenseKindSchema>;

/** -1 means unlimited. */
const limit = z.number().int().min(-1).max(2_000_000_000);

const friendlyRestrictionShape = { key: text(200), value: z.string().max(2_000) };

const licenseParametersShape = {
  /** Product codes; the first is the main product, whose catalog defaults apply. */
  products: z.array(codeSchema).min(1).max(20),
  kind: licenseKindSchema.optional(),
  /** An internal-use license (for the company's own staff and systems). */
  internal: z.boolean().optional(),
  /** Informational license type, e.g. `subscription`, `perpetual`, `trial`. */
  licenseType: codeSchema.optional(),
  unitsType: codeSchema.optional(),
  accumulatedUnits: limit.optional(),
  /** Units one execution may use at most, -1 for no per-execution limit. */
  unitsPerExecution: limit.optional(),
  startDate: timestamp.optional(),
  /** End of validity; `null` for no end. Alternatively `durationDays` from the start. */
  endDate: timestamp.nullable().optional(),
  durationDays: z.number().int().min(1).max(36_500).optional(),
  availableActivations: limit.optional(),
  /** Bind the license to one machine's fingerprint. */
  fingerprint: z.string().trim().min(1).max(512).nullable().optional(),
  executionModes: z.array(codeSchema).max(100).optional(),
  customFeatures: z.array(codeSchema).max(500).optional(),
  /** Days before the end the expiry notice starts; `null` for the notifier's default. */
  notifyDays: z.number().int().min(0).max(3650).nullable().optional(),
  /** Collectors a cockpit license covers at once (fleet leases); 0 for none, -1 unlimited. */
  seats: limit.optional(),
  metadata: z.record(codeSchema, z.string().max(2_000)).optional(),
  friendlyRestrictions: z.array(z.strictObject(friendlyRestrictionShape)).max(100).optional(),
  /** Encrypt the file with a key derived from the license key, so only its holder can read it. */
  encrypted: z.boolean().optional(),
};

/**
 * The parameters of a license an operator may set (everything else is derived). Omitted ones come
 * from the main product's defaults in the catalog. Strict, as every request schema: an unknown
 * member (a typo such as `availableActivation`) is `validation_failed` naming it.
 */
export const licenseParametersSchema = z.strictObject(licenseParametersShape);
export type LicenseParameters = z.infer<typeof licenseParametersSchema>;

/** The same parameters as answers carry them (a preset's): tolerant, as every answer. */
const licenseParametersView = z.object({
  ...licenseParametersShape,
  friendlyRestrictions: z.array(z.object(friendlyRestrictionShape)).max(100).optional(),
});

/** A license as lists and reports show it. */
export const licenseSummarySchema = z.object({
  id: idOf("license"),
  /** The last characters of the license key, for recognising it (`…-7K3QD`). */
  keyHint: z.string(),
  accountId: z.string(),
  accountName: z.string(),
  kind: licenseKindSchema,
  internal: z.boolean(),
  products: z.array(z.string()),
  status: licenseStatusSchema,
  state: licenseStateSchema,
  startDate: timestamp,
  endDate: timestamp.nullable(),
  notifyDays: z.number().int().nullable(),
  seats: z.number().int(),
  availableActivations: z.number().int(),
  serial: z.number().int(),
  createdBy: z.string(),
  createdByName: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type LicenseSummary = z.infer<typeof licenseSummarySchema>;

/** Every field of a license, as the license page shows it. */
export const licenseDetailSchema = licenseSummarySchema.extend({
  licenseType: z.string(),
  productFriendlyNames: z.array(z.string()),
  unitsType: z.string(),
  accumulatedUnits: z.number().int(),
  unitsPerExecution: z.number().int(),
  fingerprint: z.string().nullable(),
  executionModes: z.array(z.string()),
  customFeatures: z.array(z.string()),
  metadata: z.record(z.string(), z.string()),
  friendlyRestrictions: z.array(z.object({ key: z.string(), value: z.string() })),
  ownerCompany: z.string(),
  ownerName: z.string().nullable(),
  ownerEmail: z.string().nullable(),
  /** Address of whoever asked for the license (LicenseModel's `ownerIpAddress`). */
  ownerIpAddress: z.string().nullable(),
  /** The computer the license was created at (LicenseModel's `createdAtComputer`). */
  createdAtComputer: z.string().nullable(),
  encrypted: z.boolean(),
  keyId: z.string(),
  signedAt: timestamp,
  dateIssued: timestamp,
  stateReason: z.string().nullable(),
  batchId: z.string().nullable(),
  presetId: z.string().nullable(),
});
export type LicenseDetail = z.infer<typeof licenseDetailSchema>;

/** A newly created license: the only answer that carries the license key in clear. */
export const issuedLicenseSchema = z.object({
  license: licenseDetailSchema,
  licenseKey: z.string(),
  /** The signed license file (armored text). */
  file: z.string(),
});
export type IssuedLicense = z.infer<typeof issuedLicenseSchema>;

export const licenseVersionSchema = z.object({
  serial: z.number().int(),
  keyId: z.string(),
  signedAt: timestamp,
  /** Why the version was signed; an amended version is `reissued` here, with `amended` true. */
  reason: z.enum(["issued", "renewed", "reissued"]),
  /**
   * The version changed what the license grants (docs/issuer.md, "Amending a license"): its audit
   * entry says what. A member of its own, since readers of answers refuse an enum value they do not know.
   */
  amended: z.boolean(),
  endDate: timestamp.nullable(),
  /** Id and username of who signed this version. */
  createdBy: z.string(),
  createdByName: z.string(),
  /** Size of the signed file in bytes. */
  size: z.number().int(),
});

export const auditEntrySchema = z.object({
  id: z.string(),
  at: timestamp,
  action: z.string(),
  actorId: z.string(),
  actorName: z.string(),
  requestId: z.string().nullable(),
  reason: z.string().nullable(),
  /** What changed: field → [before, after]. */
  changes: z.record(z.string(), z.tuple([z.unknown(), z.unknown()])),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** What consumers of license events need, the signed file included. */
export const licenseEventSchema = z.object({
  licenseId: idOf("license"),
  /** SHA-256 (hex) of the normalized license key: distribution looks files up by it. */
  keyHash: z.string(),
  accountId: z.string(),
  state: licenseStateSchema,
  serial: z.number().int(),
  file: z.string(),
  encrypted: z.boolean(),
  products: z.array(z.string()),
  kind: licenseKindSchema,
  internal: z.boolean(),
  startDate: timestamp,
  endDate: timestamp.nullable(),
  availableActivations: z.number().int(),
  accumulatedUnits: z.number().int(),
  unitsPerExecution: z.number().int(),
  seats: z.number().int(),
  fingerprint: z.string().nullable(),
  /** The execution modes the file allows (absent from events recorded before it was added). */
  executionModes: z.array(z.string()).optional(),
  reason: z.string().nullable(),
  at: timestamp,
  /**
   * SHA-256 (hex) of the normalized legacy key (a GUID) of a migrated license, accepted as an alias
   * of its key (`legacyKeyLookupHash` of `@licensing/model`); null or absent for other licenses.
   */
  legacyKeyHash: z.string().nullable().optional(),
});
export type LicenseEvent = z.infer<typeof licenseEventSchema>;

export const presetSchema = z.object({
  id: idOf("preset"),
  name: z.string(),
  description: z.string(),
  parameters: licenseParametersView,
  version: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Preset = z.infer<typeof presetSchema>;

/**
 * The most a preset's parameters may take, as JSON: presets are for quick, everyday licenses, and
 * are all listed in one answer. The issuer enforces it; the preset form measures against it.
 */
export const MAX_PRESET_BYTES = 64 * 1024;

/**
 * What a signing key signs: `license` keys sign license files and the documents about licenses
 * (machine activations, fleet leases, status answers); `release` keys sign release indexes only. A
 * product trusts each role's keys for its own documents alone, so a release key can never vouch
 * for a license file, nor a license key for an update.
 */
export const keyRoles = ["license", "release"] as const;
export type KeyRole = (typeof keyRoles)[number];

export const signingKeySchema = z.object({
  keyId: z.string(),
  /** Defaulted: keys listed before roles existed (stored events, an older issuer) are license keys. */
  role: z.enum(keyRoles).default("license"),
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: z.string(),
  status: z.enum(["active", "retired"]),
  createdAt: timestamp,
  retiredAt: timestamp.nullable(),
});
export type SigningKey = z.infer<typeof signingKeySchema>;
