// The cockpit as a bounded license authority (issue 19; formats in docs/license-file-format.md,
// sections 15 and 16): how a cockpit gets its delegation certificate (online, or by an offline
// request carried over an air gap), how usage receipts come back, and what operators see.
import { z } from "zod";
import { checkUsageRange, usageReportSelection } from "./distribution.ts";
import { defineEndpoint } from "./endpoint.ts";
import { idOf, pageOf, pageRequest, timestamp } from "./schema.ts";

/** A raw 32-byte Ed25519 public key in base64 (44 characters). */
export const machinePublicKey = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/, { message: "must be a raw 32-byte Ed25519 public key in base64" });

/**
 * What a cockpit asks a certificate with: a document of purpose `delegation-request` signed by the
 * cockpit's own authority key (envelope keyId: its authority key id), proving it holds the key.
 */
export const DELEGATION_REQUEST_PURPOSE = "delegation-request";
export const delegationRequestPayloadSchema = z.strictObject({
  authorityKey: machinePublicKey,
  /** The cockpit's machine fingerprint. */
  fingerprint: z.string().min(1).max(256),
  hostname: z.string().max(255).nullable(),
  /** The cockpit license's id (a request names the license it is for). */
  licenseId: idOf("license"),
  /** A fresh random value: an offline request answered once is not answered again. */
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, { message: "must be 16 to 128 random characters" }),
  requestedAt: timestamp,
});
export type DelegationRequestPayload = z.infer<typeof delegationRequestPayloadSchema>;

/** POST /v1/delegations (the cockpit's license key): a certificate for the key the request proves. */
export const delegationRenewRequest = z.strictObject({
  /** The armored `delegation-request` document. */
  request: z.string().min(1).max(16_384),
});

export const delegationResponse = z.object({
  /** The armored `fleet-delegation` certificate. */
  certificate: z.string(),
  certificateId: z.string(),
  serial: z.number().int(),
  expiresAt: timestamp,
});

/** A usage receipt as it travels (section 16): canonical base64 payload and signature. */
export const signedReceiptSchema = z.strictObject({
  payload: z.string().min(1).max(2_800),
  signature: z.string().length(88),
});

/** Receipts of one upload, at most this many together (a week offline comes in several). */
export const MAX_RECEIPTS_PER_UPLOAD = 20_000;
/** Machines' logs of one upload, at most. */
export const MAX_LOGS_PER_UPLOAD = 1_000;
/** Leases one upload brings, at most. */
export const MAX_LEASES_PER_UPLOAD = 1_000;

/**
 * POST /v1/receipts (the cockpit's license key), and the file a cockpit exports for an air gap: each
 * machine's receipts in log order, and the delegated leases they name (their collector keys).
 */
export const receiptUploadRequest = z
  .strictObject({
    leases: z.array(z.string().min(1).max(16_384)).max(MAX_LEASES_PER_UPLOAD),
    logs: z
      .array(
        z.strictObject({
          machineKey: machinePublicKey,
          receipts: z.array(signedReceiptSchema).min(1).max(MAX_RECEIPTS_PER_UPLOAD),
        }),
      )
      .max(MAX_LOGS_PER_UPLOAD),
  })
  .refine((upload) => upload.logs.reduce((n, log) => n + log.receipts.length, 0) <= MAX_RECEIPTS_PER_UPLOAD, {
    message: `must hold at most ${MAX_RECEIPTS_PER_UPLOAD} receipts together`,
    path: ["logs"],
  });
export type ReceiptUpload = z.infer<typeof receiptUploadRequest>;

/** What a verifier of receipt logs reports (never silently counted). */
export const receiptAnomalyKinds = [
  /** A receipt past the next position: receipts between are missing (deleted). */
  "gap",
  /** A receipt at a position already accepted, with another hash: two histories. */
  "fork",
  /** `prev` is not the hash of the receipt before: altered or reordered. */
  "broken_link",
  /** The signature does not verify with the machine's key, or the receipt is malformed. */
  "altered",
  /** A machine key no lease (nor certificate) of this license binds. */
  "unknown_machine",
  /** A lease this license's certificates did not sign, or that oversteps them. */
  "invalid_lease",
  /** More leases at once than the certificate's seats. */
  "over_seats",
  /** More units consumed than the lease (or the certificate) allows. */
  "over_units",
] as const;

export const receiptAnomalySchema = z.object({
  kind: z.enum(receiptAnomalyKinds),
  /** The machine's authority key id, when known. */
  machine: z.string().nullable(),
  seq: z.number().int().nullable(),
  leaseId: z.string().nullable(),
  message: z.string(),
  detectedAt: timestamp,
});
export type ReceiptAnomaly = z.infer<typeof receiptAnomalySchema>;

export const receiptUploadResponse = z.object({
  /** Receipts accepted now (each counted once). */
  accepted: z.number().int(),
  /** Receipts already accepted before (a replayed upload): not counted again. */
  duplicates: z.number().int(),
  /** Units counted against the license by this upload. */
  units: z.number().int(),
  anomalies: z.array(receiptAnomalySchema),
});

/** One machine's receipt log (a collector's, or the cockpit's own), as it last reported. */
export const delegationCollectorSchema = z.object({
  /** Its machine key id. */
  machine: z.string(),
  fingerprint: z.string().nullable(),
  /** The lease of its last receipt (null: the cockpit's own receipts). */
  leaseId: z.string().nullable(),
  /** Its last receipt fell within that lease: it holds a seat now, as last reported. */
  holdingSeat: z.boolean(),
  receipts: z.number().int(),
  units: z.number().int(),
  lastReceiptAt: timestamp.nullable(),
});
export type DelegationCollector = z.infer<typeof delegationCollectorSchema>;

/** How many collectors the status lists: the first page of `delegation.collectors`. */
export const STATUS_COLLECTORS = 50;

/**
 * What operators see of a cockpit license's delegation: its figures, computed over every collector
 * however large the fleet; the collectors themselves come a page at a time (`delegation.collectors`).
 */
export const delegationStatusSchema = z.object({
  licenseId: z.string(),
  certificates: z.array(
    z.object({
      certificateId: z.string(),
      serial: z.number().int(),
      authorityKeyId: z.string(),
      issuedAt: timestamp,
      expiresAt: timestamp,
      revokedAt: timestamp.nullable(),
    }),
  ),
  /** Leases current at their collector's last receipt, as last reported. */
  seatsInUse: z.number().int(),
  /**
   * The first collectors by machine key id, at most `STATUS_COLLECTORS`: every one comes a page at a
   * time from `delegation.collectors`. (A list still, so a caller of an earlier release reads it.)
   */
  collectors: z.array(delegationCollectorSchema),
  /** Machines (collectors and the cockpit itself) with at least one receipt accepted. */
  collectorCount: z.number().int(),
  receipts: z.number().int(),
  units: z.number().int(),
  /** The newest first, at most 100. */
  anomalies: z.array(receiptAnomalySchema),
});
export type DelegationStatus = z.infer<typeof delegationStatusSchema>;

/** A page of a license's collectors, by machine key id; `holdingSeat` keeps those holding (or not) a seat. */
export const delegationCollectorsRequest = z.strictObject({
  licenseId: idOf("license"),
  holdingSeat: z.boolean().optional(),
  ...pageRequest,
});

export const delegationCollectorsResponse = pageOf(delegationCollectorSchema);
export type DelegationCollectorsPage = z.infer<typeof delegationCollectorsResponse>;

/**
 * The usage report's cockpit section: every cockpit license with a delegation the selection's
 * account and product filters select, and what its fleet did over [`from`, `to`).
 */
export const cockpitReportRequest = checkUsageRange(
  usageReportSelection.omit({ bucket: true }).extend({
    cursor: z.string().max(500).optional(),
    limit: z.number().int().min(1).max(1_000).default(100),
  }),
);

export const cockpitReportRowSchema = z.object({
  licenseId: z.string(),
  accountId: z.string(),
  /** The license's main product. */
  product: z.string(),
  /** The newest certificate's end, and its revocation (null: not revoked). */
  certificateExpiresAt: timestamp,
  certificateRevokedAt: timestamp.nullable(),
  /** Now, as last reported: collectors whose last receipt fell within their current lease. */
  seatsInUse: z.number().int(),
  /** Machines (cockpit and collectors) whose receipts were received in the range. */
  collectors: z.number().int(),
  /** Receipts received in the range, each counted once, and their units. */
  receipts: z.number().int(),
  units: z.number().int(),
  /** Anomalies detected in the range. */
  anomalies: z.number().int(),
});
export type CockpitReportRow = z.infer<typeof cockpitReportRowSchema>;

export const cockpitReportResponse = z.object({
  /** Ordered by license id. */
  items: z.array(cockpitReportRowSchema),
  nextCursor: z.string().nullable(),
});
export type CockpitReportPage = z.infer<typeof cockpitReportResponse>;

const licenseRef = z.strictObject({ licenseId: idOf("license") });

export const delegation = {
  status: defineEndpoint({
    service: "distribution",
    subject: "distribution.delegation.status",
    summary:
      "A cockpit license's delegation: certificates, seats in use, collectors, receipts and units, anomalies",
    request: licenseRef,
    response: delegationStatusSchema,
    errors: ["validation_failed", "not_found"],
    callers: ["gateway"],
  }),
  collectors: defineEndpoint({
    service: "distribution",
    subject: "distribution.delegation.collectors",
    summary: "A cockpit license's collectors, a page at a time: each one's receipts, units, lease and seat",
    request: delegationCollectorsRequest,
    response: delegationCollectorsResponse,
    errors: ["validation_failed", "not_found"],
    callers: ["gateway"],
  }),
  answerOfflineRequest: defineEndpoint({
    service: "distribution",
    subject: "distribution.delegation.answer",
    summary: "Answer a cockpit's offline delegation request (carried over an air gap) with a certificate",
    /** `licenseId`: the license the operator answers for; a request naming another is refused. */
    request: delegationRenewRequest.extend({ licenseId: idOf("license") }),
    response: delegationResponse,
    errors: ["validation_failed", "not_found", "forbidden", "conflict", "unauthorized"],
    callers: ["gateway"],
  }),
  importReceipts: defineEndpoint({
    service: "distribution",
    subject: "distribution.receipts.import",
    summary: "Import a cockpit's exported receipts file (carried over an air gap) for a license",
    request: z.strictObject({ licenseId: idOf("license"), upload: receiptUploadRequest }),
    response: receiptUploadResponse,
    errors: ["validation_failed", "not_found", "forbidden", "unauthorized"],
    callers: ["gateway"],
  }),
  report: defineEndpoint({
    service: "distribution",
    subject: "distribution.delegation.report",
    summary:
      "The usage report's cockpit section: per cockpit license, its certificate, seats, receipts and anomalies",
    request: cockpitReportRequest,
    response: cockpitReportResponse,
    errors: ["validation_failed"],
    callers: ["gateway"],
  }),
  revoke: defineEndpoint({
    service: "distribution",
    subject: "distribution.delegation.revoke",
    summary: "Revoke a cockpit license's delegation: no renewal, its key listed as revoked for the account",
    request: licenseRef.extend({ reason: z.string().trim().min(3).max(1_000) }),
    response: delegationStatusSchema,
    errors: ["validation_failed", "not_found", "unauthorized"],
    callers: ["gateway"],
  }),
};
