// The distribution service's contracts: the payloads of the documents it hands to products (signed
// by the issuer), the shapes of its public HTTP API under /v1, its hand-off feed to the future
// license server, and the NATS endpoints operators' tools call (usage of a license, deactivating a
// machine, releasing a lease, the usage report). docs/distribution.md describes them in prose.
import { z } from "zod";
import { codeSchema } from "./catalog.ts";
import { defineEndpoint } from "./endpoint.ts";
import { keyRoles, licenseKindSchema, licenseStateSchema } from "./license.ts";
import { idOf, isoDate, timestamp } from "./schema.ts";

// ---------- Fields products send ----------

/** A machine's fingerprint: any printable text without spaces, as the product computes it. */
export const fingerprintSchema = z
  .string()
  .trim()
  .min(8, { message: "must be at least 8 characters" })
  .max(512)
  .regex(/^[\x21-\x7e]+$/, { message: "must be printable ASCII without spaces" });

const hostnameSchema = z.string().trim().max(255);
const platformSchema = z.string().trim().max(64);

/** A usage report's idempotency key: the product's id for one execution, reused on every retry. */
export const idempotencyKeySchema = z
  .string()
  .min(8, { message: "must be at least 8 characters" })
  .max(200)
  .regex(/^[A-Za-z0-9._:-]+$/, { message: "must be letters, digits, '.', '_', ':' or '-'" });

/** A client nonce for the status check: 16 to 128 characters of base64url or hex. */
export const nonceSchema = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, { message: "must be base64url or hex" });

// ---------- Signed documents (signed by the issuer, verified by the client) ----------

/** Purposes of the signed documents the distribution service hands out, besides license files. */
export const documentPurposes = {
  machineActivation: "machine-activation",
  fleetLease: "fleet-lease",
  status: "status",
  /** Signed by the machine itself (its own Ed25519 key), not by the issuer. */
  activationRequest: "activation-request",
} as const;

/** One activated machine, as products and operators see it. */
export const machineSchema = z.object({
  id: idOf("machine"),
  licenseId: z.string(),
  fingerprint: z.string(),
  hostname: z.string(),
  platform: z.string(),
  status: z.enum(["active", "deactivated", "released"]),
  /** Activated with an offline request file: never released for silence. */
  offline: z.boolean(),
  activatedAt: timestamp,
  /** Last activation, heartbeat or machine-file request from the machine. */
  lastSeenAt: timestamp,
  /** Last heartbeat; null until the first, and a machine that never sends one is never released. */
  lastHeartbeatAt: timestamp.nullable(),
  /** When the machine is released unless it sends a heartbeat first (null: never). */
  releaseAfter: timestamp.nullable(),
  endedAt: timestamp.nullable(),
  endReason: z.string().nullable(),
});
export type Machine = z.infer<typeof machineSchema>;

/** Payload of a `machine-activation` document: the license file bound to one machine, for a while. */
export const machineActivationPayload = z.object({
  activationId: z.string(),
  licenseId: z.string(),
  fingerprint: z.string(),
  hostname: z.string(),
  platform: z.string(),
  offline: z.boolean(),
  /** The license file (armored, exactly as issued) this activation is for. */
  licenseFile: z.string(),
  licenseSerial: z.number().int(),
  issuedAt: timestamp,
  /** After this the document no longer proves the activation: fetch a new one. */
  expiresAt: timestamp,
});
export type MachineActivationPayload = z.infer<typeof machineActivationPayload>;

/** Payload of a `fleet-lease` document: one collector holds one of a cockpit license's seats. */
export const fleetLeasePayload = z.object({
  leaseId: idOf("lease"),
  licenseId: z.string(),
  fingerprint: z.string(),
  hostname: z.string(),
  seats: z.number().int(),
  issuedAt: timestamp,
  expiresAt: timestamp,
});
export type FleetLeasePayload = z.infer<typeof fleetLeasePayload>;

/** Payload of a `status` document: the license's standing at a signed time, echoing the nonce. */
export const statusPayload = z.object({
  licenseId: z.string(),
  nonce: z.string(),
  /** The server's clock when it answered. */
  at: timestamp,
  status: z.enum(["active", "expired", "not_yet_valid"]),
  /** Serial of the newest license file: above the client's, a newer file is waiting. */
  serial: z.number().int(),
  endDate: timestamp.nullable(),
  /** The fingerprint asked about, and whether it holds an active activation. */
  fingerprint: z.string().nullable(),
  activated: z.boolean().nullable(),
  unitsConsumed: z.number().int(),
  /** -1 for unlimited. */
  unitsRemaining: z.number().int(),
  lastUsedAt: timestamp.nullable(),
});
export type StatusPayload = z.infer<typeof statusPayload>;

/**
 * Payload of an `activation-request` document, made and signed by a machine that cannot reach the
 * service, with its own Ed25519 key; the envelope's key id is `machine-` and the first 16 hex
 * digits of SHA-256 of that public key.
 */
export const activationRequestPayload = z.strictObject({
  /** Lookup hash of the license key (the key itself never goes into a file). */
  keyHash: z.string().regex(/^[0-9a-f]{64}$/, { message: "must be a SHA-256 in lower-case hex" }),
  fingerprint: fingerprintSchema,
  hostname: hostnameSchema.default(""),
  platform: platformSchema.default(""),
  /** The machine's raw 32-byte Ed25519 public key, standard base64. */
  machinePublicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, { message: "must be 32 bytes in base64" }),
  requestedAt: timestamp,
  nonce: nonceSchema,
});
export type ActivationRequestPayload = z.infer<typeof activationRequestPayload>;

// ---------- The public HTTP API (/v1) ----------

export const downloadResponse = z.object({
  licenseId: z.string(),
  serial: z.number().int(),
  encrypted: z.boolean(),
  /** The signed license file, armored, exactly as the issuer issued it. */
  file: z.string(),
});
export type DownloadResponse = z.infer<typeof downloadResponse>;

export const machineRef = z.strictObject({ fingerprint: fingerprintSchema });

export const activateRequest = z.strictObject({
  fingerprint: fingerprintSchema,
  hostname: hostnameSchema.default(""),
  platform: platformSchema.default(""),
});

export const activateResponse = z.object({
  activation: machineSchema,
  /** False when this fingerprint already held an activation (the same one is returned). */
  created: z.boolean(),
  /** Send a heartbeat at least this often once heartbeats have started, or the machine is released. */
  heartbeatTimeoutSeconds: z.number().int(),
});

export const machineFileResponse = z.object({
  /** Armored `machine-activation` document. */
  file: z.string(),
  expiresAt: timestamp,
});

export const usageRequest = z.strictObject({
  /** Units this execution used (0 to record a run that used none). */
  units: z.number().int().min(0).max(2_000_000_000),
  idempotencyKey: idempotencyKeySchema,
  fingerprint: fingerprintSchema.optional(),
  executionMode: codeSchema.optional(),
  /** When the execution happened on the machine (its clock; informational). */
  at: timestamp.optional(),
});

export const balanceSchema = z.object({
  accumulatedUnits: z.number().int(),
  unitsPerExecution: z.number().int(),
  unitsConsumed: z.number().int(),
  /** -1 for unlimited. */
  unitsRemaining: z.number().int(),
  lastUsedAt: timestamp.nullable(),
});
export type Balance = z.infer<typeof balanceSchema>;

export const usageResponse = balanceSchema.extend({
  /** True when this idempotency key was already counted: nothing was added. */
  duplicate: z.boolean(),
  units: z.number().int(),
});

export const leaseRequest = z.strictObject({
  fingerprint: fingerprintSchema,
  hostname: hostnameSchema.default(""),
});

export const leaseSchema = z.object({
  id: idOf("lease"),
  licenseId: z.string(),
  fingerprint: z.string(),
  hostname: z.string(),
  acquiredAt: timestamp,
  renewedAt: timestamp,
  expiresAt: timestamp,
  releasedAt: timestamp.nullable(),
  releaseReason: z.string().nullable(),
});
export type Lease = z.infer<typeof leaseSchema>;

export const leaseResponse = z.object({
  lease: leaseSchema,
  /** Armored `fleet-lease` document. */
  file: z.string(),
  seats: z.number().int(),
  seatsInUse: z.number().int(),
});

export const offlineActivationRequest = z.strictObject({
  /** The armored `activation-request` document the machine produced. */
  request: z
    .string()
    .min(1)
    .max(64 * 1024),
});

export const offlineActivationResponse = z.object({
  activation: machineSchema,
  /** Armored `machine-activation` document to carry back to the machine. */
  file: z.string(),
  expiresAt: timestamp,
});

export const statusRequest = z.strictObject({
  nonce: nonceSchema,
  fingerprint: fingerprintSchema.optional(),
});

export const statusResponse = z.object({
  /** Armored `status` document. */
  document: z.string(),
});

// ---------- Updates (issue 18) ----------

/** "Is there an update for me?": what a product sends with its license key. */
export const updateCheckRequest = z.strictObject({
  product: codeSchema,
  channel: codeSchema.default("stable"),
  currentVersion: z.string().min(1).max(256),
  platform: z.string().min(1).max(32),
  arch: z.string().min(1).max(32),
  fileType: z.string().min(1).max(32).optional(),
});

/** Why there is no update: the release index's reasons, and the license's entitlement. */
export const noUpdateReasons = [
  "up_to_date",
  "no_artifact_for_platform",
  "not_upgradable_from_current",
  /** Newer releases exist, but were published after the license's end: renew to get them. */
  "not_entitled",
] as const;

export const updateArtifactSchema = z.object({
  id: idOf("artifact"),
  platform: z.string(),
  arch: z.string(),
  fileType: z.string(),
  fileName: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  /** Where to download it (GET, with the license key; Range requests resume). */
  url: z.string(),
});

export const updateCheckResponse = z.object({
  update: z.boolean(),
  /** Why there is none (when `update` is false). */
  reason: z.enum(noUpdateReasons).nullable(),
  /** The release to install (when `update` is true). */
  release: z
    .object({
      version: z.string(),
      publishedAt: timestamp,
      notes: z.string(),
      artifact: updateArtifactSchema,
    })
    .nullable(),
  /** The current version is yanked: the product should urge the upgrade. */
  currentYanked: z.boolean(),
  /**
   * The product and channel's release index, signed by the issuer's release key: the client checks
   * the release and artifact above against it (and its version and expiry against rollback and
   * freezing) before trusting them. Null before the product and channel's first release.
   */
  index: z.string().nullable(),
});

/** A release's downloads: a download counts once, when it starts from the file's first byte. */
export const releaseDownloadsSchema = z.object({
  releaseId: z.string(),
  total: z.number().int(),
  byArtifact: z.array(z.object({ artifactId: z.string(), downloads: z.number().int() })),
  /** The accounts that downloaded it, most downloads first (at most 100). */
  byAccount: z.array(z.object({ accountId: z.string(), downloads: z.number().int(), lastAt: timestamp })),
});
export type ReleaseDownloads = z.infer<typeof releaseDownloadsSchema>;

export const publicKeySchema = z.object({
  keyId: z.string(),
  /** `license` keys verify license files and documents about licenses; `release` keys, release indexes. */
  role: z.enum(keyRoles),
  /** Raw 32-byte Ed25519 public key, standard base64. */
  publicKey: z.string(),
  status: z.enum(["active", "retired"]),
  createdAt: timestamp,
});
export type PublicKey = z.infer<typeof publicKeySchema>;

export const publicKeysResponse = z.object({ keys: z.array(publicKeySchema) });

// ---------- Hand-off to the license server ----------

/**
 * One license as the hand-off carries it: the newest file and state. The same shape is the sync
 * endpoint's item and the body of each message on the `<PREFIX>_LICENSE_FILES` stream.
 */
export const handoffItemSchema = z.object({
  /** Hand-off format version. */
  version: z.literal(1),
  /** Position in the change feed: pass the last one seen as `cursor` to get what changed after it. */
  cursor: z.string(),
  licenseId: z.string(),
  keyHash: z.string(),
  /**
   * A migrated license's legacy key (GUID) lookup hash (`legacyKeyLookupHash`), accepted as its key;
   * null for others. Messages published before it was added lack it: read as null.
   */
  legacyKeyHash: z.string().nullable().default(null),
  accountId: z.string(),
  state: licenseStateSchema,
  serial: z.number().int(),
  encrypted: z.boolean(),
  products: z.array(z.string()),
  kind: licenseKindSchema,
  startDate: timestamp,
  endDate: timestamp.nullable(),
  file: z.string(),
  changedAt: timestamp,
});
export type HandoffItem = z.infer<typeof handoffItemSchema>;

export const syncRequest = z.strictObject({
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, { message: "must be a cursor from an earlier answer" })
    .optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(200),
});

export const syncResponse = z.object({
  items: z.array(handoffItemSchema),
  /** Pass it back to continue; the last cursor seen when nothing more has changed. */
  nextCursor: z.string().nullable(),
  hasMore: z.boolean(),
});

/**
 * One release as the hand-off carries it (issue 18): its newest state, with its files. The same
 * shape is `GET /v1/sync/releases`'s item and the body of each message on `<PREFIX>_RELEASES`.
 */
export const releaseHandoffItemSchema = z.object({
  /** Hand-off format version. */
  version: z.literal(1),
  /** Position in the release feed (its own numbering, not the licenses'). */
  cursor: z.string(),
  release: z.object({
    id: z.string(),
    product: z.string(),
    channel: z.string(),
    version: z.string(),
    state: z.enum(["published", "yanked"]),
    notes: z.string(),
    minUpgradableFrom: z.string().nullable(),
    maxUpgradableFrom: z.string().nullable(),
    publishedAt: timestamp,
    /** Each file, its `url` on this service (GET with the sync token; Range requests resume). */
    artifacts: z.array(updateArtifactSchema),
  }),
  /** The product and channel's release index version after this change. */
  indexVersion: z.number().int(),
  changedAt: timestamp,
});
export type ReleaseHandoffItem = z.infer<typeof releaseHandoffItemSchema>;

export const releaseSyncResponse = z.object({
  items: z.array(releaseHandoffItemSchema),
  nextCursor: z.string().nullable(),
  hasMore: z.boolean(),
});

export const releaseIndexRequest = z.strictObject({ product: codeSchema, channel: codeSchema });

/** A product and channel's current signed release index, for a license server to serve until `expiresAt`. */
export const releaseIndexResponse = z.object({
  product: z.string(),
  channel: z.string(),
  indexVersion: z.number().int(),
  expiresAt: timestamp,
  /** Armored, signed by the issuer's release key: served to products as it is. */
  index: z.string(),
});

// ---------- Operators (NATS) ----------

const licenseRef = z.strictObject({ licenseId: idOf("license") });

export const licenseUsageSchema = z.object({
  licenseId: z.string(),
  accountId: z.string(),
  products: z.array(z.string()),
  state: licenseStateSchema,
  serial: z.number().int(),
  timesDownloaded: z.number().int(),
  lastDownloadedAt: timestamp.nullable(),
  availableActivations: z.number().int(),
  activeMachines: z.number().int(),
  /** Every machine ever activated, active ones first, then the most recently ended (at most 500). */
  machines: z.array(machineSchema),
  balance: balanceSchema,
  seats: z.number().int(),
  /** Leases held now (not released, not expired). */
  leases: z.array(leaseSchema),
});
export type LicenseUsage = z.infer<typeof licenseUsageSchema>;

const operatorReason = z.string().trim().max(1_000).optional();

export const usageBuckets = ["day", "week", "month"] as const;
export type UsageBucket = (typeof usageBuckets)[number];

/** A report's periods are at most this many (its answer carries one total per period). */
export const maxUsagePeriods = 1_000;
const bucketDays: Record<UsageBucket, number> = { day: 1, week: 7, month: 30 };

/** The usage report's selection: a range, optional filters and the period to group by. */
export const usageReportSelection = z.strictObject({
  from: timestamp,
  to: timestamp,
  accountId: idOf("account").optional(),
  product: codeSchema.optional(),
  /** Rows per period (in UTC) as well as per account and product; omitted: one row per pair. */
  bucket: z.enum(usageBuckets).optional(),
});

/**
 * The checks on a selection's range, for every schema built on it (the report, the gateway's query
 * strings): `from` before `to`, and with a bucket at most `maxUsagePeriods` periods.
 */
export function checkUsageRange<S extends z.ZodObject>(schema: S) {
  return schema.superRefine((value, ctx) => {
    const r = value as z.output<typeof usageReportSelection>;
    const span = Date.parse(r.to) - Date.parse(r.from);
    if (!(span > 0)) ctx.addIssue({ code: "custom", message: "from must be before to", path: ["to"] });
    else if (r.bucket && span > maxUsagePeriods * bucketDays[r.bucket] * 86_400_000)
      ctx.addIssue({
        code: "custom",
        message: `makes more than ${maxUsagePeriods} periods: shorten the range or group by a longer period`,
        path: ["bucket"],
      });
  });
}

export const usageReportRequest = checkUsageRange(
  usageReportSelection.extend({
    cursor: z.string().max(500).optional(),
    limit: z.number().int().min(1).max(1_000).default(100),
  }),
);

export const usageReportRowSchema = z.object({
  /** First day of the period (UTC) when `bucket` is given, else null. */
  period: isoDate.nullable(),
  accountId: z.string(),
  product: z.string(),
  unitsConsumed: z.number().int(),
  executions: z.number().int(),
  /** Machines whose activation overlapped the period (for the whole range when no bucket). */
  activeMachines: z.number().int(),
});

export type UsageReportRow = z.infer<typeof usageReportRowSchema>;

const usageFigures = {
  unitsConsumed: z.number().int(),
  executions: z.number().int(),
  activeMachines: z.number().int(),
};

/** Every account and product together in one period: what a chart of the report draws. */
export const usagePeriodSchema = z.object({ period: isoDate, ...usageFigures });
export type UsagePeriod = z.infer<typeof usagePeriodSchema>;

export const usageReportResponse = z.object({
  items: z.array(usageReportRowSchema),
  nextCursor: z.string().nullable(),
  /** Over everything the filters select, every page together. */
  totals: z.object(usageFigures),
  /**
   * With `bucket`: one entry per period of the range, oldest first, periods without use included,
   * over everything the filters select (every page together). Without `bucket`: empty.
   */
  periods: z.array(usagePeriodSchema),
  /**
   * From when every report's detail is kept: before it usage is counted per UTC day only, so a
   * bound there must be a midnight (UTC). Null while every report's detail is kept.
   */
  detailFrom: timestamp.nullable(),
});
export type UsageReportPage = z.infer<typeof usageReportResponse>;

export const usageSummaryRequest = z.strictObject({
  /** The window: today (UTC) and the days before it, this many in all. */
  days: z.number().int().min(1).max(366).default(30),
});

/** The dashboard's usage figures: cheap to compute, whatever the size of the history. */
export const usageSummarySchema = z.object({
  /** Start of the window (midnight UTC, `days - 1` days before today). */
  from: timestamp,
  /** End of the window (exclusive): the next midnight UTC. */
  to: timestamp,
  /** Over the window, every license together. */
  unitsConsumed: z.number().int(),
  executions: z.number().int(),
  /** Machines holding an activation now. */
  activeMachines: z.number().int(),
  /** Fleet leases held now (not released, not expired). */
  leasesHeld: z.number().int(),
  /** One entry per UTC day of the window, oldest first, days without use included. */
  daily: z.array(z.object({ day: isoDate, unitsConsumed: z.number().int(), executions: z.number().int() })),
});
export type UsageSummary = z.infer<typeof usageSummarySchema>;

// ---------- Legacy consumption (issue 14) ----------

/** Legacy consumption items at most per request. */
export const MAX_LEGACY_CONSUMPTION_BATCH = 500;

/** A machine the legacy system had activated (by fingerprint), carried over as an activation. */
export const legacyMachineInput = z.strictObject({
  fingerprint: z.string().trim().min(1).max(200),
  activatedAt: timestamp.nullable().default(null),
  lastSeenAt: timestamp.nullable().default(null),
});

/**
 * Where a migrated license stood in its legacy system: the units it had consumed, its last use, how
 * many times its file was downloaded, and the machines activated on it. Limits continue from there.
 */
export const legacyConsumptionItem = z.strictObject({
  licenseId: idOf("license"),
  unitsConsumed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  lastUsedAt: timestamp.nullable().default(null),
  timesDownloaded: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  machines: z.array(legacyMachineInput).max(1_000).default([]),
});
export type LegacyConsumptionItem = z.infer<typeof legacyConsumptionItem>;

export const importLegacyConsumptionRequest = z.strictObject({
  /** The migration run carrying it (what the audit entries name). */
  runId: idOf("run"),
  items: z.array(legacyConsumptionItem).min(1).max(MAX_LEGACY_CONSUMPTION_BATCH),
});

/**
 * What became of one item: `applied` (the license's counters now include it), `unchanged` (the same
 * consumption was carried before), `pending` (distribution has not yet received the license: kept,
 * and applied when it arrives), or `failed` with an error.
 */
export const legacyConsumptionResultSchema = z.object({
  index: z.number().int(),
  licenseId: z.string(),
  outcome: z.enum(["applied", "unchanged", "pending", "failed"]),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

export const distribution = {
  importLegacyConsumption: defineEndpoint({
    service: "distribution",
    subject: "distribution.legacy.consumption",
    summary: "Carry migrated licenses' legacy consumption, downloads and machines (idempotent per license)",
    request: importLegacyConsumptionRequest,
    response: z.object({ runId: z.string(), items: z.array(legacyConsumptionResultSchema) }),
    errors: ["validation_failed", "forbidden", "unauthorized"],
    callers: ["migration"],
  }),
  licenseUsage: defineEndpoint({
    service: "distribution",
    subject: "distribution.license.usage",
    summary: "Usage of one license: machines, downloads, units consumed and remaining, leases held",
    request: licenseRef,
    response: licenseUsageSchema,
    errors: ["validation_failed", "not_found"],
    // The issuer asks before an amendment lowers activations or units below what is in use.
    callers: ["gateway", "issuer"],
  }),
  deactivateMachine: defineEndpoint({
    service: "distribution",
    subject: "distribution.machine.deactivate",
    summary: "Deactivate a machine of a license, freeing its activation (audited)",
    request: licenseRef.extend({ machineId: idOf("machine"), reason: operatorReason }),
    response: machineSchema,
    errors: ["validation_failed", "not_found", "unauthorized"],
  }),
  releaseLease: defineEndpoint({
    service: "distribution",
    subject: "distribution.lease.release",
    summary: "Release a fleet lease, freeing its seat (audited)",
    request: licenseRef.extend({ leaseId: idOf("lease"), reason: operatorReason }),
    response: leaseSchema,
    errors: ["validation_failed", "not_found", "unauthorized"],
  }),
  usageReport: defineEndpoint({
    service: "distribution",
    subject: "distribution.usage.report",
    summary: "Units consumed and active machines per account and product over a period, a page at a time",
    request: usageReportRequest,
    response: usageReportResponse,
    errors: ["validation_failed"],
  }),
  usageSummary: defineEndpoint({
    service: "distribution",
    subject: "distribution.usage.summary",
    summary:
      "Units consumed over the last days (per day) and machines and leases held now, for the dashboard",
    request: usageSummaryRequest,
    response: usageSummarySchema,
    errors: ["validation_failed"],
  }),
  releaseDownloads: defineEndpoint({
    service: "distribution",
    subject: "distribution.release.downloads",
    summary: "How often a release's files were downloaded, in all, by file and by account (issue 18)",
    request: z.strictObject({ releaseId: idOf("release") }),
    response: releaseDownloadsSchema,
    errors: ["validation_failed"],
  }),
};
