// The one error type of @licensing/model. Every rejection of untrusted input (a license file, a
// license key, a payload) is a ModelError with a code from a closed list, so callers (the HTTP API,
// the client SDK, support tooling) can branch on `code` and show `message` to a person.

/** Every code a ModelError can carry. Stable: services map them to API error codes. */
export const MODEL_ERROR_CODES = [
  "malformed_armor",
  "malformed_envelope",
  "unsupported_version",
  "unsupported_algorithm",
  "unsupported_encryption",
  "wrong_purpose",
  "unknown_key",
  "bad_signature",
  "invalid_payload",
  "key_required",
  "decryption_failed",
  "too_large",
  "malformed_key",
  "key_checksum_mismatch",
  "invalid_json",
  "invalid_argument",
  // Release indexes (release-index.ts) and artifacts (artifact.ts): the attacks of The Update
  // Framework, each with its own code.
  "index_scope_mismatch",
  "index_rollback",
  "index_conflict",
  "index_not_yet_valid",
  "index_expired",
  "artifact_size_mismatch",
  "artifact_hash_mismatch",
  // Delegation (fleet-delegation.ts): a cockpit's certificate and the leases it signs.
  "delegation_not_yet_valid",
  "delegation_expired",
  "delegation_revoked",
  "lease_outside_delegation",
  "lease_scope_mismatch",
  "lease_not_yet_valid",
  "lease_expired",
] as const;

/** A stable error code from MODEL_ERROR_CODES. */
export type ModelErrorCode = (typeof MODEL_ERROR_CODES)[number];

/** One problem found in a payload, with the dotted path of the field (`products.0`, `endDate`). */
export type ValidationIssue = { path: string; message: string };

/** The error every @licensing/model function throws on bad input. */
export class ModelError extends Error {
  override readonly name = "ModelError";
  readonly code: ModelErrorCode;
  /** Field-level problems, for `invalid_payload`. Empty otherwise. */
  readonly issues: readonly ValidationIssue[];

  constructor(
    code: ModelErrorCode,
    message: string,
    options?: { issues?: ValidationIssue[]; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options?.issues ?? [];
  }
}

/** True when `error` is a ModelError, optionally with the given code. */
export function isModelError(error: unknown, code?: ModelErrorCode): error is ModelError {
  return error instanceof ModelError && (code === undefined || error.code === code);
}

/** Untrusted text for an error message: quoted, and cut short so a hostile file cannot bloat logs. */
export function clip(text: unknown, max = 40): string {
  let value: string;
  try {
    value = String(text);
  } catch {
    value = `(${typeof text})`; // e.g. an object without a prototype
  }
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
