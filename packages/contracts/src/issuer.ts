import { z } from "zod";
import { codeSchema } from "./catalog.ts";
import { defineEndpoint } from "./endpoint.ts";
import { defineEvent } from "./event.ts";
import {
  auditEntrySchema,
  issuedLicenseSchema,
  type KeyRole,
  keyRoles,
  licenseDetailSchema,
  licenseEventSchema,
  licenseKindSchema,
  licenseParametersSchema,
  licenseStateSchema,
  licenseStatusSchema,
  licenseSummarySchema,
  licenseVersionSchema,
  presetSchema,
  signingKeySchema,
} from "./license.ts";
import { countResponse, idOf, isoDate, pageOf, pageRequest, text, timestamp } from "./schema.ts";

/**
 * What the issuer signs besides license files, for the distribution service (docs/architecture.md, Licenses: signing
 * happens only in the issuer). A license file is never among them: only issuance signs those.
 */
export const signablePurposes = [
  "machine-activation",
  "fleet-lease",
  "status",
  "release-index",
  "fleet-delegation",
] as const;
export type SignablePurpose = (typeof signablePurposes)[number];
/** The role of the key that signs each purpose: a release index with a release key, never a license key. */
export const purposeKeyRole: Record<SignablePurpose, KeyRole> = {
  "machine-activation": "license",
  "fleet-lease": "license",
  status: "license",
  "release-index": "release",
  "fleet-delegation": "license",
};

/** Makes a request safe to retry: the same key returns the first answer and creates nothing new. */
const idempotencyKey = z.string().trim().min(8).max(200).optional();
const licenseRef = z.strictObject({ id: idOf("license") });
const reason = z.string().trim().min(3, { message: "must say why (at least 3 characters)" }).max(1_000);

/**
 * Where a license was made (LicenseModel's `ownerIpAddress` and `createdAtComputer`), written into
 * the file. Left out, the gateway fills both with the client's address as it sees it.
 */
const origin = {
  /** IPv4 or IPv6 address of whoever asked for the license. */
  ownerIpAddress: z.union([z.ipv4(), z.ipv6()], { error: "must be an IPv4 or IPv6 address" }).optional(),
  /** The computer the license was created at (a name or an address). */
  createdAtComputer: z.string().trim().min(1, { message: "must not be empty" }).max(300).optional(),
};

export const createLicenseRequest = licenseParametersSchema.extend({
  accountId: idOf("account"),
  /**
   * Licenses to create with these parameters, all or none. At most 100: the answer carries every
   * key and signed file, and must fit in one message.
   */
  count: z.number().int().min(1).max(100).default(1),
  idempotencyKey,
  ...origin,
});

export const createLicenseResponse = z.object({
  /** Set when `count` > 1: the batch the licenses belong to. */
  batchId: z.string().nullable(),
  licenses: z.array(issuedLicenseSchema),
});

/** The legacy systems licenses are migrated from (issue 14; docs/issuer.md, "Legacy licenses"). */
export const legacySources = ["studio", "vbuc-cli", "vbuc-sales"] as const;
export const legacySourceSchema = z.enum(legacySources);
export type LegacySource = z.infer<typeof legacySourceSchema>;

/** Legacy imports at most this many licenses a request (each in its own transaction). */
export const MAX_LEGACY_BATCH = 500;
/** The legacy LicenseFile text kept as provenance, at most (UTF-8 bytes). */
export const MAX_LEGACY_FILE_BYTES = 2 * 1024 * 1024;

// A GUID as .NET and people write it: any case, dashed 8-4-4-4-12 or not at all, optionally in
// braces. The issuer normalizes it with parseLegacyKey of @licensing/model (the same grammar).
const legacyKeyPattern =
  /^\s*(?:\{[0-9a-f]{8}(-?)[0-9a-f]{4}\1[0-9a-f]{4}\1[0-9a-f]{4}\1[0-9a-f]{12}\}|[0-9a-f]{8}(-?)[0-9a-f]{4}\2[0-9a-f]{4}\2[0-9a-f]{4}\2[0-9a-f]{12})\s*$/i;

const utf8 = new TextEncoder();

/** Where a migrated license comes from, as its legacy system knew it. */
const legacyOrigin = z.strictObject({
  source: legacySourceSchema,
  /** The source's own id of the license; with `source`, what makes an import idempotent. */
  id: text(200),
  /** The legacy license key (a GUID) customers hold: it stays an accepted alias of the license's key. */
  key: z.string().max(100).regex(legacyKeyPattern, { message: "must be a GUID (the legacy license key)" }),
  /** When the legacy system issued the license (signed into the file as `dateIssued`). */
  dateIssued: timestamp,
  /** Who created it in the legacy system (signed into the file as `createdBy`). */
  createdBy: text(200),
  /** The legacy LicenseFile text, kept as provenance only: never re-signed, never served to products. */
  licenseFile: z
    .string()
    .refine((file) => utf8.encode(file).length <= MAX_LEGACY_FILE_BYTES, {
      message: `must be at most ${MAX_LEGACY_FILE_BYTES} bytes (2 MiB)`,
    })
    .optional(),
});

/**
 * One legacy license to import: the parameters of a creation (never encrypted: the file must open
 * with the legacy key as well), the owner as the legacy system recorded it (else the account's), and
 * its legacy origin.
 */
export const legacyLicenseItem = createLicenseRequest
  .omit({ count: true, idempotencyKey: true, encrypted: true })
  .extend({
    ownerCompany: text(300).optional(),
    ownerName: z.string().trim().max(300).nullable().optional(),
    ownerEmail: z.string().trim().max(320).nullable().optional(),
    legacy: legacyOrigin,
  });
export type LegacyLicenseItem = z.infer<typeof legacyLicenseItem>;

export const importLegacyRequest = z.strictObject({
  /** The migration run this batch belongs to: what its audit entries name and a rollback removes. */
  runId: idOf("run"),
  items: z.array(legacyLicenseItem).min(1).max(MAX_LEGACY_BATCH),
});

/** What became of one item: created, updated (a new version), unchanged, or failed with an error. */
export const legacyImportResultSchema = z.object({
  /** The item's position in the request. */
  index: z.number().int(),
  source: legacySourceSchema,
  legacyId: z.string(),
  outcome: z.enum(["created", "updated", "unchanged", "failed"]),
  /** The license (`lic_…`); null when the item failed before one existed. */
  licenseId: z.string().nullable(),
  /** Why the item failed (`code` is one of the error codes); null otherwise. */
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    })
    .nullable(),
});
export type LegacyImportResult = z.infer<typeof legacyImportResultSchema>;

/** A legacy license as a dry run sees it: its account may be one the run has yet to create (null). */
export const previewLegacyRequest = z.strictObject({
  items: z
    .array(legacyLicenseItem.extend({ accountId: idOf("account").nullable() }))
    .min(1)
    .max(MAX_LEGACY_BATCH),
});

/** What an import of one item would do: create, update, leave unchanged, or meet a key held elsewhere. */
export const legacyPreviewResultSchema = z.object({
  index: z.number().int(),
  source: legacySourceSchema,
  legacyId: z.string(),
  outcome: z.enum(["created", "updated", "unchanged", "conflict"]),
  /** The license it is (updated, unchanged) or whose key it claims (conflict); null for created. */
  licenseId: z.string().nullable(),
  message: z.string().nullable(),
});
export type LegacyPreviewResult = z.infer<typeof legacyPreviewResultSchema>;

/** The provenance of a migrated license. */
export const legacyFileSchema = z.object({
  licenseId: z.string(),
  source: legacySourceSchema,
  legacyId: z.string(),
  /** The run that last imported it. */
  runId: z.string(),
  importedAt: timestamp,
  dateIssued: timestamp,
  createdBy: z.string(),
  /** The legacy LicenseFile text as the legacy system stored it; null when it had none. */
  licenseFile: z.string().nullable(),
});

/**
 * What an amendment may change of a license (docs/issuer.md, "Amending a license"): each member given
 * replaces the license's value, the rest stays. `products` lists every product the license keeps
 * (its current ones, in order, then those added); `metadata` and `friendlyRestrictions` replace the
 * whole map or list. Kind, internal use, start and encryption are not amended: a license that
 * differs in those is a new license ("clone as new license").
 */
export const amendLicenseRequest = licenseParametersSchema
  .pick({
    products: true,
    availableActivations: true,
    accumulatedUnits: true,
    unitsPerExecution: true,
    seats: true,
    endDate: true,
    notifyDays: true,
    executionModes: true,
    customFeatures: true,
    metadata: true,
    friendlyRestrictions: true,
  })
  .partial()
  .extend({
    id: idOf("license"),
    /** Why it changed: kept in the license's history and audit entry. */
    reason: z.string().trim().max(1_000).optional(),
    idempotencyKey,
  });
export type AmendLicenseRequest = z.input<typeof amendLicenseRequest>;

/** The members of an amendment that change the license (everything but its id, reason and key). */
export const amendableFields = [
  "products",
  "availableActivations",
  "accumulatedUnits",
  "unitsPerExecution",
  "seats",
  "endDate",
  "notifyDays",
  "executionModes",
  "customFeatures",
  "metadata",
  "friendlyRestrictions",
] as const satisfies readonly (keyof AmendLicenseRequest)[];

export const licenseSorts = ["createdAt", "endDate", "accountName", "startDate"] as const;

export const listLicensesRequest = z.strictObject({
  accountId: idOf("account").optional(),
  product: codeSchema.optional(),
  kind: licenseKindSchema.optional(),
  internal: z.boolean().optional(),
  status: z.array(licenseStatusSchema).max(5).optional(),
  createdBy: z.string().max(200).optional(),
  createdFrom: timestamp.optional(),
  createdTo: timestamp.optional(),
  endFrom: timestamp.optional(),
  endTo: timestamp.optional(),
  /** A license key (whole, or its last group), or part of an account name. */
  text: z.string().trim().min(1).max(200).optional(),
  sort: z.enum(licenseSorts).default("createdAt"),
  order: z.enum(["asc", "desc"]).default("desc"),
  ...pageRequest,
  /**
   * Up to 1,000 a page on the bus (the gateway's CSV export reads large pages; summaries are small
   * enough for one message). The HTTP API allows 1–500.
   */
  limit: z.coerce.number().int().min(1).max(1_000).default(50),
});
export type ListLicensesRequest = z.input<typeof listLicensesRequest>;

/** The list's filters, without its sort and page. */
export const countLicensesRequest = listLicensesRequest.omit({
  sort: true,
  order: true,
  cursor: true,
  limit: true,
});

const countBy = z.array(z.object({ key: z.string(), count: z.number().int() }));

export const dashboardResponse = z.object({
  total: z.number().int(),
  byStatus: countBy,
  byKind: countBy,
  byProduct: countBy,
  internal: z.number().int(),
  /** Licenses created per day over the last 30 days, by kind. */
  issuedPerDay: z.array(z.object({ day: isoDate, commercial: z.number().int(), test: z.number().int() })),
  /** Licenses created per ISO week (its Monday) over the last 26 weeks, by kind. */
  issuedPerWeek: z.array(z.object({ week: isoDate, commercial: z.number().int(), test: z.number().int() })),
  /** Active licenses ending within 30, 60 and 90 days. */
  expiringWithin: z.object({ d30: z.number().int(), d60: z.number().int(), d90: z.number().int() }),
  /** Active licenses ending per week over the next 13 weeks. */
  expiringPerWeek: z.array(z.object({ week: isoDate, count: z.number().int() })),
  topAccounts: z.array(z.object({ accountId: z.string(), accountName: z.string(), count: z.number().int() })),
  at: timestamp,
});
export type Dashboard = z.infer<typeof dashboardResponse>;

export const expiringRequest = z.strictObject({
  /** The day of the digest, in `timeZone`. */
  day: isoDate,
  timeZone: z.string().min(1).max(64),
  /** Notice window of licenses that do not set their own. */
  defaultNotifyDays: z.number().int().min(0).max(3650),
  cursor: z.string().max(500).optional(),
  limit: z.number().int().min(1).max(5_000).default(1_000),
});

export const expiringLicenseSchema = licenseSummarySchema.extend({
  /** 0: ends on `day` ("expired today"); n > 0: ends in n days. */
  daysLeft: z.number().int(),
});

/**
 * What distribution's read model of a license must agree with (docs/distribution.md,
 * "Reconciliation"): the version it serves, the state it decides downloads by, and the hashes it looks
 * the license up by. The issuer keeps no time of the last state change, so none is compared.
 */
export const licenseDigestSchema = z.object({
  id: z.string(),
  serial: z.number().int(),
  state: licenseStateSchema,
  keyHash: z.string(),
  legacyKeyHash: z.string().nullable(),
});
export type LicenseDigest = z.infer<typeof licenseDigestSchema>;

export const licenseDigestPageRequest = z.strictObject({
  /** The last id of the previous page (`next` of its answer); left out, the first page. */
  after: idOf("license").optional(),
  limit: z.number().int().min(1).max(1_000).default(1_000),
});

export const issuer = {
  createLicense: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.create",
    summary: "Create and sign licenses for an account (one, or a batch: all or none)",
    request: createLicenseRequest,
    response: createLicenseResponse,
    errors: [
      "validation_failed",
      "not_found",
      "account_archived",
      "forbidden",
      "conflict",
      "payload_too_large",
    ],
  }),
  quickGenerate: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.quick-generate",
    summary: "Create a license for an account from a preset",
    request: z.strictObject({
      presetId: idOf("preset"),
      accountId: idOf("account"),
      idempotencyKey,
      ...origin,
    }),
    response: createLicenseResponse,
    errors: [
      "validation_failed",
      "not_found",
      "account_archived",
      "forbidden",
      "conflict",
      "payload_too_large",
    ],
  }),
  getLicense: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.get",
    summary: "One license with every field and its derived status",
    request: licenseRef,
    response: licenseDetailSchema,
    errors: ["validation_failed", "not_found"],
  }),
  revealKey: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.reveal-key",
    summary: "The license key in clear (the act is audited)",
    request: licenseRef,
    response: z.object({ licenseKey: z.string() }),
    errors: ["validation_failed", "not_found"],
  }),
  getFile: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.file",
    summary: "The exact signed file of a version (the current one by default)",
    request: licenseRef.extend({ serial: z.number().int().min(1).optional() }),
    response: z.object({
      serial: z.number().int(),
      keyId: z.string(),
      signedAt: timestamp,
      file: z.string(),
    }),
    errors: ["validation_failed", "not_found"],
  }),
  listVersions: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.versions",
    summary: "Every signed version of a license, newest first",
    request: licenseRef,
    response: z.object({ items: z.array(licenseVersionSchema) }),
    errors: ["validation_failed", "not_found"],
  }),
  auditTrail: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.audit",
    summary: "Everything done to a license: who, when, under which request, what changed",
    request: licenseRef,
    response: z.object({ items: z.array(auditEntrySchema) }),
    errors: ["validation_failed", "not_found"],
  }),
  renew: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.renew",
    summary: "Extend a license to a new end date (or by some days): signs a new version",
    request: licenseRef.extend({
      endDate: timestamp.nullable().optional(),
      extendDays: z.number().int().min(1).max(36_500).optional(),
      reason: z.string().trim().max(1_000).optional(),
      idempotencyKey,
    }),
    response: licenseDetailSchema,
    errors: ["validation_failed", "not_found", "invalid_state", "conflict", "payload_too_large"],
  }),
  reissue: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.reissue",
    summary: "Sign the license again, unchanged, with the current key: a new version",
    request: licenseRef.extend({ reason: z.string().trim().max(1_000).optional(), idempotencyKey }),
    response: licenseDetailSchema,
    errors: ["validation_failed", "not_found", "invalid_state", "conflict", "payload_too_large"],
  }),
  amend: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.amend",
    summary:
      "Change what a license grants (products, activations, units, end date, metadata…): signs a new version",
    request: amendLicenseRequest,
    response: licenseDetailSchema,
    errors: [
      "validation_failed",
      "not_found",
      "invalid_state",
      "forbidden",
      "account_archived",
      "conflict",
      "payload_too_large",
    ],
  }),
  setNotice: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.set-notice",
    summary: "Change a license's notice window (days before its end): signs a new version",
    request: licenseRef.extend({
      /** Days before the end the license counts as expiring; null: the issuer's default. */
      notifyDays: z.number().int().min(0).max(3650).nullable(),
      reason: z.string().trim().max(1_000).optional(),
      idempotencyKey,
    }),
    response: licenseDetailSchema,
    errors: ["validation_failed", "not_found", "invalid_state", "conflict", "payload_too_large"],
  }),
  suspend: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.suspend",
    summary: "Suspend a license until it is reinstated",
    request: licenseRef.extend({ reason }),
    response: licenseDetailSchema,
    errors: ["validation_failed", "not_found", "invalid_state"],
  }),
  reinstate: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.reinstate",
    summary: "Lift a suspension",
    request: licenseRef.extend({ reason: z.string().trim().max(1_000).optional() }),
    response: licenseDetailSchema,
    errors: ["validation_failed", "not_found", "invalid_state"],
  }),
  revoke: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.revoke",
    summary: "Revoke a license for good, with a reason",
    request: licenseRef.extend({ reason }),
    response: licenseDetailSchema,
    errors: ["validation_failed", "not_found", "invalid_state"],
  }),
  importLegacy: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.import-legacy",
    summary: "Import legacy licenses (idempotent by source and legacy id; each item on its own)",
    request: importLegacyRequest,
    response: z.object({ runId: z.string(), items: z.array(legacyImportResultSchema) }),
    errors: ["validation_failed", "forbidden", "unauthorized"],
    callers: ["migration"],
  }),
  previewLegacy: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.preview-legacy",
    summary: "What importing these legacy licenses would do, per item (nothing is stored)",
    request: previewLegacyRequest,
    response: z.object({ items: z.array(legacyPreviewResultSchema) }),
    errors: ["validation_failed", "forbidden", "unauthorized"],
    callers: ["migration"],
  }),
  legacyFile: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.legacy-file",
    summary: "The provenance of a migrated license, its legacy LicenseFile text included",
    request: licenseRef,
    response: legacyFileSchema,
    errors: ["validation_failed", "not_found", "forbidden", "unauthorized"],
  }),
  rollbackMigration: defineEndpoint({
    service: "issuer",
    subject: "issuer.migration.rollback",
    summary: "Remove every license a migration run created, while none has changed since",
    request: z.strictObject({ runId: idOf("run") }),
    response: z.object({ runId: z.string(), removed: z.number().int() }),
    errors: ["validation_failed", "not_found", "conflict", "forbidden", "unauthorized"],
    callers: ["migration"],
  }),
  listLicenses: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.list",
    summary: "Licenses matching filters, sorted, a page at a time",
    request: listLicensesRequest,
    response: pageOf(licenseSummarySchema),
    errors: ["validation_failed"],
  }),
  countLicenses: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.count",
    summary: "How many licenses match the list's filters, counted up to 10,000 (MAX_COUNT)",
    request: countLicensesRequest,
    response: countResponse,
    errors: ["validation_failed"],
  }),
  dashboard: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.dashboard",
    summary: "Counts by status, kind and product; issuance over time; expiries ahead; top accounts",
    request: z.strictObject({}),
    response: dashboardResponse,
    errors: [],
  }),
  expiring: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.expiring",
    summary: "Active licenses whose notice window includes a day, and those ending that day",
    request: expiringRequest,
    response: pageOf(expiringLicenseSchema),
    errors: ["validation_failed"],
    callers: ["notifier"],
  }),
  listPresets: defineEndpoint({
    service: "issuer",
    subject: "issuer.preset.list",
    summary: "Every preset, by name",
    request: z.strictObject({}),
    response: z.object({ items: z.array(presetSchema) }),
    errors: [],
  }),
  createPreset: defineEndpoint({
    service: "issuer",
    subject: "issuer.preset.create",
    summary: "A named set of license parameters for quick generation",
    request: z.strictObject({
      name: text(100),
      description: z.string().max(1_000).default(""),
      parameters: licenseParametersSchema,
    }),
    response: presetSchema,
    errors: ["validation_failed", "already_exists", "payload_too_large"],
  }),
  updatePreset: defineEndpoint({
    service: "issuer",
    subject: "issuer.preset.update",
    summary: "Change a preset",
    request: z.strictObject({
      id: idOf("preset"),
      expectedVersion: z.number().int().min(1).optional(),
      name: text(100).optional(),
      description: z.string().max(1_000).optional(),
      parameters: licenseParametersSchema.optional(),
    }),
    response: presetSchema,
    errors: ["validation_failed", "not_found", "already_exists", "conflict", "payload_too_large"],
  }),
  deletePreset: defineEndpoint({
    service: "issuer",
    subject: "issuer.preset.delete",
    summary: "Remove a preset",
    request: z.strictObject({ id: idOf("preset") }),
    response: z.object({ id: z.string(), deleted: z.literal(true) }),
    errors: ["validation_failed", "not_found"],
  }),
  listSigningKeys: defineEndpoint({
    service: "issuer",
    subject: "issuer.signing-key.list",
    summary:
      "Public keys that sign (active) and still verify (retired) license files and release indexes, by role",
    request: z.strictObject({}),
    response: z.object({ items: z.array(signingKeySchema) }),
    errors: [],
    callers: ["gateway", "distribution"],
  }),
  rotateSigningKey: defineEndpoint({
    service: "issuer",
    subject: "issuer.signing-key.rotate",
    summary: "Generate a new signing key of a role; the role's old key retires but still verifies",
    request: z.strictObject({ role: z.enum(keyRoles).default("license") }),
    response: signingKeySchema,
    errors: [],
  }),
  licenseDigestPage: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.digest-page",
    summary: "Every license's digest, by id a page at a time, for a read model to reconcile (services only)",
    request: licenseDigestPageRequest,
    response: z.object({ items: z.array(licenseDigestSchema), next: z.string().nullable() }),
    errors: ["validation_failed", "unauthorized", "forbidden"],
    callers: ["distribution"],
  }),
  currentLicenseEvent: defineEndpoint({
    service: "issuer",
    subject: "issuer.license.current-event",
    summary: "A license as its next event would carry it, for a read model to repair (services only)",
    request: licenseRef,
    response: licenseEventSchema,
    errors: ["validation_failed", "not_found", "unauthorized", "forbidden"],
    callers: ["distribution"],
  }),
  signDocument: defineEndpoint({
    service: "issuer",
    subject: "issuer.document.sign",
    summary:
      "Sign a document of an allowed purpose (never a license file) with the active key of its role (purposeKeyRole)",
    request: z.strictObject({
      purpose: z.enum(signablePurposes),
      payload: z.record(z.string(), z.unknown()),
    }),
    response: z.object({ document: z.string(), keyId: z.string() }),
    errors: ["validation_failed"],
    callers: ["distribution"],
  }),
};

export const issuerEvents = {
  licenseIssued: defineEvent("license.issued", licenseEventSchema, { version: "1.1" }),
  licenseRenewed: defineEvent("license.renewed", licenseEventSchema, { version: "1.1" }),
  licenseReissued: defineEvent("license.reissued", licenseEventSchema, { version: "1.1" }),
  licenseAmended: defineEvent("license.amended", licenseEventSchema, { version: "1.1" }),
  licenseSuspended: defineEvent("license.suspended", licenseEventSchema, { version: "1.1" }),
  licenseReinstated: defineEvent("license.reinstated", licenseEventSchema, { version: "1.1" }),
  licenseRevoked: defineEvent("license.revoked", licenseEventSchema, { version: "1.1" }),
  // 1.1: role (a reader of 1.0 payloads gets "license").
  signingKeyRotated: defineEvent("signing-key.rotated", signingKeySchema, { version: "1.1" }),
};
