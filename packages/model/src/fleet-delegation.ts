// The cockpit as a bounded license authority (docs/license-file-format.md, section 15): the issuer
// signs a delegation certificate binding a cockpit's own Ed25519 key to limits; the cockpit signs
// collector leases within them; a collector verifies the chain vendor key → certificate → lease,
// offline. Each document has its own purpose, so none can pass for another or for a license file.
import { z } from "zod";
import { fromBase64 } from "#codec";
import type { Ed25519 } from "./ed25519.ts";
import { openDocument, sealDocument } from "./envelope.ts";
import { clip, ModelError } from "./errors.ts";
import type { KeySet, Signer } from "./key-set.ts";
import { toIssues } from "./license.ts";
import { MAX_CLOCK_SKEW_MS } from "./release-index.ts";
import { sha256Hex } from "./sha256.ts";

export const DELEGATION_PURPOSE = "fleet-delegation";
export const DELEGATED_LEASE_PURPOSE = "delegated-lease";

/** Longest life of a certificate: it is short by construction, renewed online or by an offline exchange. */
export const MAX_DELEGATION_LIFETIME_MS = 90 * 24 * 3600 * 1000;
/** Authority keys a certificate may list as revoked. */
export const MAX_REVOKED_AUTHORITIES = 1000;

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const text = (max: number) =>
  z
    .string({ error: "must be text" })
    .min(1, { error: "must not be empty" })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((s) => s.isWellFormed(), { error: "must not contain a lone UTF-16 surrogate" })
    .refine((s) => !CONTROL.test(s), { error: "must not contain control characters (such as NUL)" });
const code = text(128);
const token = z.string({ error: "must be text" }).regex(/^[a-z0-9][a-z0-9._+-]{0,31}$/, {
  error: "must be a lower-case token of at most 32 characters such as scan",
});
const isoUtc = z.iso.datetime({ error: "must be an ISO-8601 UTC date-time such as 2025-01-31T00:00:00Z" });
const whole = (min: number, max: number) =>
  z.number({ error: "must be a number" }).refine((n) => Number.isSafeInteger(n) && n >= min && n <= max, {
    error: `must be a whole number from ${min} to ${max}`,
  });
const publicKey = z.string({ error: "must be text" }).refine((s) => fromBase64(s)?.length === 32, {
  error: "must be a raw 32-byte Ed25519 public key in canonical base64",
});
const authorityId = z.string({ error: "must be text" }).regex(/^fa-[0-9a-f]{32}$/, {
  error: "must be an authority key id such as fa-0123…(32 hex digits)",
});
const unique = <T extends z.ZodType<string>>(item: T, min: number, max: number) =>
  z
    .array(item)
    .min(min, { error: `must hold at least ${min}` })
    .max(max, { error: `must hold at most ${max}` })
    .refine((items) => new Set(items).size === items.length, { error: "must not repeat an item" });

// Members in RFC 8785 order, as in license.ts.
export const delegationSchema = z
  .strictObject({
    accountId: code,
    /** The cockpit's own Ed25519 public key (generated on the cockpit; its private key never leaves it). */
    authorityKey: publicKey,
    certificateId: code,
    /** Execution modes its leases may grant. */
    executionModes: unique(token, 1, 16),
    expiresAt: isoUtc,
    issuedAt: isoUtc,
    /** The cockpit license this delegation belongs to. */
    licenseId: code,
    /** Longest life of one lease it signs. */
    maxLeaseSeconds: whole(60, 31 * 24 * 3600),
    /** Products its leases may be for. */
    products: unique(code, 1, 64),
    /** Authority keys (of other delegations) revoked: their leases are refused from now on. */
    revoked: unique(authorityId, 0, MAX_REVOKED_AUTHORITIES),
    /** Collectors it may hold leases for at once. */
    seats: whole(1, 1_000_000),
    /** Grows with every certificate of this license's delegation (renewals). */
    serial: whole(1, Number.MAX_SAFE_INTEGER),
    /** Units its leases may carry together during the certificate's life (0: none). */
    units: whole(0, Number.MAX_SAFE_INTEGER),
  })
  .superRefine((cert, ctx) => {
    const life = Date.parse(cert.expiresAt) - Date.parse(cert.issuedAt);
    if (!(life > 0 && life <= MAX_DELEGATION_LIFETIME_MS))
      ctx.addIssue({
        code: "custom",
        path: ["expiresAt"],
        message: "must be after issuedAt, at most 90 days later",
      });
  });
export type Delegation = z.infer<typeof delegationSchema>;

export const delegatedLeaseSchema = z
  .strictObject({
    certificateId: code,
    /** The collector's own Ed25519 public key: it signs the collector's usage receipts. */
    collectorKey: publicKey,
    executionModes: unique(token, 1, 16),
    expiresAt: isoUtc,
    fingerprint: text(256),
    issuedAt: isoUtc,
    leaseId: code,
    licenseId: code,
    product: code,
    /** Which of the certificate's seats (1 … seats). */
    seat: whole(1, 1_000_000),
    /** Units this collector may consume under the lease. */
    units: whole(0, Number.MAX_SAFE_INTEGER),
  })
  .superRefine((lease, ctx) => {
    if (!(Date.parse(lease.expiresAt) > Date.parse(lease.issuedAt)))
      ctx.addIssue({ code: "custom", path: ["expiresAt"], message: "must be after issuedAt" });
  });
export type DelegatedLease = z.infer<typeof delegatedLeaseSchema>;

/** The key id of an authority (or machine) key: `fa-` and the first 32 hex digits of its SHA-256. */
export function authorityKeyId(key: Uint8Array): string {
  if (!(key instanceof Uint8Array) || key.length !== 32)
    throw new ModelError("invalid_argument", "An authority key is a raw 32-byte Ed25519 public key.");
  return `fa-${sha256Hex(key).slice(0, 32)}`;
}

function parse<T>(schema: z.ZodType<T>, payload: unknown, what: string): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  throw new ModelError("invalid_payload", `The ${what} is authentic but its content is not a valid ${what}`, {
    issues: toIssues(result.error.issues),
  });
}

/** Signs a delegation certificate (the issuer does, with a license-role key). */
export function sealDelegation(certificate: Delegation, signer: Signer): string {
  return sealDocument({
    purpose: DELEGATION_PURPOSE,
    payload: parse(delegationSchema, certificate, "delegation certificate"),
    signer,
  });
}

/** Signs a collector's lease with the cockpit's authority key (its key id is `authorityKeyId`). */
export function sealDelegatedLease(lease: DelegatedLease, authority: Signer): string {
  return sealDocument({
    purpose: DELEGATED_LEASE_PURPOSE,
    payload: parse(delegatedLeaseSchema, lease, "delegated lease"),
    signer: authority,
  });
}

export type OpenDelegationOptions = {
  /** The vendor's license-role keys (those that verify license files). */
  keys: KeySet;
  /** The later of the clock and the highest time this machine has seen. */
  now: Date | number;
  /** Authority key ids known to be revoked (from the newest certificate this machine accepted). */
  revoked?: Iterable<string>;
  ed25519?: Ed25519;
};

/**
 * Verifies a delegation certificate: the document (purpose `fleet-delegation`, a trusted vendor key),
 * its payload, then its time (`delegation_not_yet_valid`, `delegation_expired`) and revocation
 * (`delegation_revoked`).
 */
export function openDelegation(text: string, options: OpenDelegationOptions): Delegation {
  const now = instant(options.now);
  const opened = openDocument(text, {
    purpose: DELEGATION_PURPOSE,
    keys: options.keys,
    ...(options.ed25519 ? { ed25519: options.ed25519 } : {}),
  });
  const certificate = parse(delegationSchema, opened.payload, "delegation certificate");
  if (Date.parse(certificate.issuedAt) > now + MAX_CLOCK_SKEW_MS)
    throw new ModelError(
      "delegation_not_yet_valid",
      `This delegation certificate was issued at ${certificate.issuedAt}, after this machine's time: check the clock.`,
    );
  if (Date.parse(certificate.expiresAt) <= now)
    throw new ModelError(
      "delegation_expired",
      `This delegation certificate expired at ${certificate.expiresAt}: the cockpit must renew it.`,
    );
  const authority = authorityKeyId(fromBase64(certificate.authorityKey)!);
  if (new Set(options.revoked ?? []).has(authority))
    throw new ModelError(
      "delegation_revoked",
      `The cockpit key ${authority} was revoked: its certificate and leases are no longer honoured.`,
    );
  return certificate;
}

export type OpenDelegatedLeaseOptions = OpenDelegationOptions & {
  /** This collector's fingerprint: a lease for another machine is `lease_scope_mismatch`. */
  fingerprint?: string;
  /** The product asking: a lease for another product is `lease_scope_mismatch`. */
  product?: string;
};

/**
 * Verifies a collector's lease and the certificate it was signed under, offline: the certificate
 * (openDelegation), the lease signed by the certificate's authority key (purpose `delegated-lease`),
 * within the certificate's limits (`lease_outside_delegation`), for this machine and product
 * (`lease_scope_mismatch`), and current (`lease_not_yet_valid`, `lease_expired`).
 */
export function openDelegatedLease(
  leaseText: string,
  certificateText: string,
  options: OpenDelegatedLeaseOptions,
): { certificate: Delegation; lease: DelegatedLease } {
  const now = instant(options.now);
  const certificate = openDelegation(certificateText, options);
  const authorityKey = fromBase64(certificate.authorityKey)!;
  const opened = openDocument(leaseText, {
    purpose: DELEGATED_LEASE_PURPOSE,
    keys: [{ keyId: authorityKeyId(authorityKey), publicKey: authorityKey }],
    ...(options.ed25519 ? { ed25519: options.ed25519 } : {}),
  });
  const lease = parse(delegatedLeaseSchema, opened.payload, "delegated lease");
  const outside = beyondDelegation(lease, certificate);
  if (outside)
    throw new ModelError(
      "lease_outside_delegation",
      `This lease ${outside}: the cockpit overstepped its delegation.`,
    );
  if (options.fingerprint !== undefined && lease.fingerprint !== options.fingerprint)
    throw new ModelError("lease_scope_mismatch", "This lease is for another machine.");
  if (options.product !== undefined && lease.product !== options.product)
    throw new ModelError(
      "lease_scope_mismatch",
      `This lease is for ${clip(lease.product)}, not ${clip(options.product)}.`,
    );
  if (Date.parse(lease.issuedAt) > now + MAX_CLOCK_SKEW_MS)
    throw new ModelError(
      "lease_not_yet_valid",
      `This lease was issued at ${lease.issuedAt}, after this machine's time: check the clock.`,
    );
  if (Date.parse(lease.expiresAt) <= now)
    throw new ModelError(
      "lease_expired",
      `This lease expired at ${lease.expiresAt}: ask the cockpit for a new one.`,
    );
  return { certificate, lease };
}

/** What in `lease` the certificate does not allow, in words, or undefined. */
function beyondDelegation(lease: DelegatedLease, cert: Delegation): string | undefined {
  if (lease.certificateId !== cert.certificateId)
    return `names certificate ${clip(lease.certificateId)}, not the one given`;
  if (lease.licenseId !== cert.licenseId)
    return `is for license ${clip(lease.licenseId)}, not the certificate's`;
  if (!cert.products.includes(lease.product))
    return `is for ${clip(lease.product)}, a product the certificate does not delegate`;
  const mode = lease.executionModes.find((m) => !cert.executionModes.includes(m));
  if (mode !== undefined) return `grants execution mode ${clip(mode)}, which the certificate does not`;
  if (lease.seat > cert.seats) return `holds seat ${lease.seat} of a certificate with ${cert.seats}`;
  if (lease.units > cert.units)
    return `carries ${lease.units} units, more than the certificate's ${cert.units}`;
  const issued = Date.parse(lease.issuedAt);
  const expires = Date.parse(lease.expiresAt);
  if (issued < Date.parse(cert.issuedAt)) return "was issued before its certificate";
  if (expires > Date.parse(cert.expiresAt)) return "outlives its certificate";
  if (expires - issued > cert.maxLeaseSeconds * 1000)
    return `lasts longer than the certificate's ${cert.maxLeaseSeconds} seconds`;
  return undefined;
}

function instant(now: unknown): number {
  const ms = now instanceof Date ? now.getTime() : now;
  if (typeof ms !== "number" || !Number.isFinite(ms))
    throw new ModelError("invalid_argument", "now must be a Date or a number of milliseconds.");
  return ms;
}
