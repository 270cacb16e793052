import {
  AppError,
  DELEGATION_REQUEST_PURPOSE,
  type DelegationRequestPayload,
  delegationRequestPayloadSchema,
  newId,
} from "@licensing/contracts";
import { authorityKeyId, type Delegation, openDocument } from "@licensing/model";
import { execute, type Orm, query, queryOne } from "@licensing/platform";
import { modelIssues, peekDocument } from "./documents.ts";
import {
  type LicenseRecord,
  type LicenseRow,
  licenseColumns,
  remaining,
  requireUsable,
  toRecord,
} from "./licenses.ts";
import { iso, type Timestamp } from "./rows.ts";
import type { DocumentSigning } from "./signing.ts";

const DAY_MS = 86_400_000;
/** A certificate lives 30 days at most (never past the license's end): renewed online, or by an air gap. */
export const CERTIFICATE_LIFETIME_MS = 30 * DAY_MS;
/** The longest life of one lease a cockpit signs. */
export const MAX_LEASE_SECONDS = 7 * 86_400;
/** How old an online request may be (its nonce answers once anyway); an offline one, a certificate's life. */
const ONLINE_REQUEST_AGE_MS = 3_600_000;
const OFFLINE_REQUEST_AGE_MS = CERTIFICATE_LIFETIME_MS;
const FUTURE_SKEW_MS = 300_000;
/**
 * The execution mode a certificate grants when the license lists none (a cockpit product with no
 * modes of its own): a certificate must name at least one (section 15.1), and `default` is the token
 * a collector uses when its product has no modes either (docs/distribution.md, "Fleet delegation").
 */
export const DEFAULT_EXECUTION_MODE = "default";

export interface DelegationRow {
  certificate_id: string;
  license_id: string;
  account_id: string;
  authority_key: string;
  authority_key_id: string;
  serial: number;
  issued_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export const delegationColumns =
  "certificate_id, license_id, account_id, authority_key, authority_key_id, serial, issued_at, expires_at, revoked_at";

/**
 * Delegation certificates (issue 19, docs/license-file-format.md section 15): a cockpit license that
 * allows fleet seats gets its own key certified, within the license's limits, for 30 days at most.
 * Each request proves the key (it is signed with it) and carries a nonce answered once. Issuing locks
 * the license row, so serials grow one by one and a revocation is never raced by a renewal.
 */
export class Delegations {
  readonly #orm: Orm;
  readonly #signing: DocumentSigning;
  readonly #now: () => Date;

  constructor(orm: Orm, signing: DocumentSigning, now: () => Date) {
    this.#orm = orm;
    this.#signing = signing;
    this.#now = now;
  }

  /**
   * Answers a delegation request with a new certificate. Online, the request must be the calling
   * license's; offline (an operator carrying it over an air gap), the license the operator answers for.
   */
  async issue(requestText: string, from: { license: LicenseRecord } | { offline: true; licenseId: string }) {
    const now = this.#now();
    const request = openRequest(requestText);
    const age = now.getTime() - Date.parse(request.requestedAt);
    const maxAge = "offline" in from ? OFFLINE_REQUEST_AGE_MS : ONLINE_REQUEST_AGE_MS;
    if (age > maxAge || age < -FUTURE_SKEW_MS)
      throw AppError.validation([
        {
          path: "request.requestedAt",
          message: `must be within ${maxAge / 3_600_000} hours before now (${now.toISOString()}): ask the cockpit for a new request`,
        },
      ]);
    const expected = "license" in from ? from.license.licenseId : from.licenseId;
    if (request.licenseId !== expected)
      throw AppError.validation([
        {
          path: "request.licenseId",
          message:
            "license" in from
              ? "must be the license whose key calls (this request is for another)"
              : `must be ${expected}, the license answered for (this request is for ${request.licenseId})`,
        },
      ]);
    return this.#orm.em.fork().transactional(async (em) => {
      const row = await queryOne<LicenseRow & { units_consumed: string }>(
        em,
        `select ${licenseColumns}, units_consumed from distribution.licenses where license_id = $1 for update`,
        [request.licenseId],
      );
      if (!row) throw AppError.notFound("License", request.licenseId);
      const license = toRecord(row);
      requireUsable(license, now);
      if (license.seats === 0)
        throw new AppError("forbidden", "This license has no fleet seats: it cannot delegate to a cockpit");
      const authority = authorityKeyId(new Uint8Array(Buffer.from(request.authorityKey, "base64")));
      const history = await query<{
        serial: number;
        revoked: boolean;
        authority_key_id: string;
        own: boolean;
        answered: boolean;
      }>(
        em,
        `select serial, revoked_at is not null as revoked, authority_key_id, license_id = $1 as own,
           request_nonce = $3 as answered
         from distribution.delegations
         where license_id = $1 or (account_id = $2 and revoked_at is not null) or request_nonce = $3`,
        [license.licenseId, license.accountId, request.nonce],
      );
      if (history.some((d) => d.answered))
        throw new AppError("conflict", "This delegation request was already answered: its nonce is used");
      if (history.some((d) => d.revoked && d.authority_key_id === authority))
        throw new AppError(
          "forbidden",
          `The cockpit key ${authority} was revoked: it is never certified again`,
        );
      if (history.some((d) => d.own && d.revoked))
        throw new AppError("forbidden", "This license's delegation was revoked: it is never renewed");
      const revoked = [...new Set(history.filter((d) => d.revoked).map((d) => d.authority_key_id))];
      const serial = Math.max(0, ...history.filter((d) => d.own).map((d) => d.serial)) + 1;
      const certificate = certificateFor(license, Number(row.units_consumed), request, {
        serial,
        now,
        revoked: revoked.slice(-1_000),
      });
      // Signed under the row lock: the issuer answers within its timeout, and no renewal or revocation
      // of the same license can slip between the serial chosen and the row stored.
      const text = await this.#signing.fleetDelegation(certificate);
      const stored = await execute(
        em,
        `insert into distribution.delegations (certificate_id, license_id, account_id, authority_key,
           authority_key_id, fingerprint, serial, issued_at, expires_at, certificate, request_nonce)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict (request_nonce) do nothing`,
        [
          certificate.certificateId,
          license.licenseId,
          license.accountId,
          certificate.authorityKey,
          authority,
          request.fingerprint,
          serial,
          new Date(certificate.issuedAt),
          new Date(certificate.expiresAt),
          text,
          request.nonce,
        ],
      );
      if (stored === 0)
        throw new AppError("conflict", "This delegation request was already answered: its nonce is used");
      return {
        certificate: text,
        certificateId: certificate.certificateId,
        serial,
        expiresAt: certificate.expiresAt,
      };
    });
  }

  /** Revokes every certificate of a license's delegation; false when none was left to revoke. */
  async revoke(licenseId: string, reason: string): Promise<number> {
    const rows = await query<{ certificate_id: string }>(
      this.#orm,
      `update distribution.delegations set revoked_at = $1, revoked_reason = $2
       where license_id = $3 and revoked_at is null returning certificate_id`,
      [this.#now(), reason, licenseId],
    );
    return rows.length;
  }
}

/** The request document, verified with the key its own payload names (it proves holding that key). */
function openRequest(text: string): DelegationRequestPayload {
  try {
    const claimed = delegationRequestPayloadSchema.safeParse(
      peekDocument(text, DELEGATION_REQUEST_PURPOSE).payload,
    );
    if (!claimed.success)
      throw AppError.validation(
        claimed.error.issues.map((issue) => ({
          path: ["request", ...issue.path.map(String)].join("."),
          message: issue.message,
        })),
      );
    const key = new Uint8Array(Buffer.from(claimed.data.authorityKey, "base64"));
    openDocument(text, {
      purpose: DELEGATION_REQUEST_PURPOSE,
      keys: [{ keyId: authorityKeyId(key), publicKey: key }],
    });
    return claimed.data;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw AppError.validation(modelIssues(error, "request"));
  }
}

/** The certificate a license allows (docs/distribution.md, "Fleet delegation", says why each limit). */
function certificateFor(
  license: LicenseRecord,
  unitsConsumed: number,
  request: DelegationRequestPayload,
  at: { serial: number; now: Date; revoked: string[] },
): Delegation {
  const modes = license.executionModes?.length ? license.executionModes : [DEFAULT_EXECUTION_MODE];
  if (modes.length > 16)
    throw new AppError(
      "forbidden",
      "This license allows more than 16 execution modes: a certificate names 16 at most",
    );
  const left = remaining(license.accumulatedUnits, unitsConsumed);
  const end = Math.min(
    at.now.getTime() + CERTIFICATE_LIFETIME_MS,
    license.endDate === null ? Number.POSITIVE_INFINITY : Date.parse(license.endDate),
  );
  return {
    accountId: license.accountId,
    authorityKey: request.authorityKey,
    certificateId: newId("delegation"),
    executionModes: [...modes],
    expiresAt: new Date(end).toISOString(),
    issuedAt: at.now.toISOString(),
    licenseId: license.licenseId,
    maxLeaseSeconds: MAX_LEASE_SECONDS,
    products: [...license.products],
    revoked: at.revoked,
    seats: license.seats < 0 ? 1_000_000 : Math.min(license.seats, 1_000_000),
    serial: at.serial,
    units: left < 0 ? Number.MAX_SAFE_INTEGER : left,
  };
}

export function toCertificateSummary(row: DelegationRow) {
  return {
    certificateId: row.certificate_id,
    serial: row.serial,
    authorityKeyId: row.authority_key_id,
    issuedAt: iso(row.issued_at),
    expiresAt: iso(row.expires_at),
    revokedAt: row.revoked_at === null ? null : iso(row.revoked_at),
  };
}
