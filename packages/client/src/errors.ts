// Every refusal of the LicenseManager is a LicenseError with one reason from this closed list, so a
// product can branch on `reason` and show `message` to a person.

/** Why the LicenseManager refused. Stable: products branch on it. */
export const refusalReasons = [
  /** No license file loaded (load one, or fetch it by key). */
  "no_license",
  /** The file is not a license file this software can read (malformed, wrong purpose, bad payload). */
  "invalid_file",
  /** Signed with a key that is not among the pinned public keys. */
  "untrusted_key",
  /** Modified after signing, or not signed by that key. */
  "bad_signature",
  /** The license is encrypted and the license key given does not open it. */
  "wrong_license_key",
  "wrong_product",
  "not_yet_valid",
  "expired",
  "mode_not_allowed",
  "feature_not_allowed",
  /** Bound to another machine. */
  "fingerprint_mismatch",
  /** The clock is behind the last recorded execution. */
  "clock_set_back",
  /** A signed answer's time is too far from this machine's clock (or the answer is a replay). */
  "clock_mismatch",
  "replayed_answer",
  "units_exhausted",
  "units_per_execution_exceeded",
  "suspended",
  "revoked",
  /** This machine holds no activation (or its machine file is missing). */
  "not_activated",
  /** The machine-bound file has expired: fetch a new one. */
  "activation_expired",
  "activation_limit_reached",
  "seats_exhausted",
  /** No valid fleet lease (never acquired, released, or expired). */
  "lease_expired",
  /** Offline for longer than the grace period allows. */
  "offline_grace_expired",
  /** The manager is in offline mode: this needs the network. */
  "offline_mode",
  /** The license key is not a key (a typo). */
  "malformed_key",
  /** The server knows no license with this key. */
  "license_not_found",
  "rate_limited",
  /** The server cannot be reached (network, proxy, DNS, timeout). */
  "network_error",
  /** The server answered with an error this client does not expect. */
  "server_error",
  // Updates (checkForUpdate, downloadUpdate):
  /** The license does not entitle this product to the channel asked (its kind), or the product. */
  "not_entitled",
  /** The release index is older than one already accepted: a rollback. */
  "index_rollback",
  /** The release index has expired: a frozen index, served past its life. */
  "index_expired",
  /** The release index carries other content under a version already accepted, or is not yet valid. */
  "index_conflict",
  /** The release index is another product's or channel's. */
  "index_scope_mismatch",
  /** The server's answer names a release or file the signed index does not hold. */
  "update_mismatch",
  /** The downloaded file is not the one released (its size or SHA-256 differs from the index). */
  "artifact_mismatch",
  // Fleet delegation (FleetAuthority, DelegatedCollector):
  /** The cockpit's delegation certificate has expired (or it holds none): the cockpit must renew it. */
  "delegation_expired",
  /** The cockpit's key was revoked: its certificate and the leases it signed are no longer honoured. */
  "delegation_revoked",
  /**
   * Beyond what the certificate delegates: a product, mode, lease life or seat it does not grant, a
   * lease that oversteps its certificate, a certificate for another cockpit key or license.
   */
  "not_delegated",
] as const;

export type RefusalReason = (typeof refusalReasons)[number];

/** A refusal: a stable reason, a message a person can act on, and what caused it. */
export class LicenseError extends Error {
  override readonly name = "LicenseError";
  readonly reason: RefusalReason;
  /** The server's error code, when the server refused. */
  readonly code: string | undefined;
  /** Seconds to wait before retrying (rate_limited). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    reason: RefusalReason,
    message: string,
    options: { cause?: unknown; code?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.code = options.code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** True when the server could not be reached: the request may succeed later. */
  get transient(): boolean {
    return (
      this.reason === "network_error" || this.reason === "rate_limited" || this.code === "service_unavailable"
    );
  }
}

/** A server error code as a refusal reason. */
export function reasonOfCode(code: string): RefusalReason {
  const map: Record<string, RefusalReason> = {
    license_suspended: "suspended",
    license_revoked: "revoked",
    license_expired: "expired",
    fingerprint_mismatch: "fingerprint_mismatch",
    activation_limit_reached: "activation_limit_reached",
    units_exhausted: "units_exhausted",
    seats_exhausted: "seats_exhausted",
    malformed_key: "malformed_key",
    not_found: "license_not_found",
    rate_limited: "rate_limited",
  };
  return map[code] ?? "server_error";
}

/** A ModelError code (from verifying a document) as a refusal reason. */
export function reasonOfModelCode(code: string): RefusalReason {
  if (code === "index_rollback" || code === "index_expired" || code === "index_scope_mismatch") return code;
  if (code === "index_conflict" || code === "index_not_yet_valid") return "index_conflict";
  if (code === "artifact_size_mismatch" || code === "artifact_hash_mismatch") return "artifact_mismatch";
  if (code === "delegation_expired" || code === "delegation_revoked") return code;
  if (code === "delegation_not_yet_valid" || code === "lease_not_yet_valid") return "not_yet_valid";
  if (code === "lease_expired") return "lease_expired";
  if (code === "lease_outside_delegation") return "not_delegated";
  // Scope is checked by the collector itself (fingerprint_mismatch, wrong_product); this is the rest.
  if (code === "lease_scope_mismatch") return "fingerprint_mismatch";
  if (code === "unknown_key") return "untrusted_key";
  if (code === "bad_signature") return "bad_signature";
  if (code === "decryption_failed" || code === "key_required") return "wrong_license_key";
  if (code === "malformed_key" || code === "key_checksum_mismatch") return "malformed_key";
  return "invalid_file";
}
