// @licensing/model: the license model v2, its canonical encoding, license keys and signed documents
// (license files, release indexes).
// Pure (no I/O); runs in Node and in browsers. The native Ed25519 implementation is Node-only and
// exported from "@licensing/model/native".
export { ed25519 } from "#ed25519";
export { armorLabel } from "./armor.ts";
export { type ArtifactVerifier, createArtifactVerifier } from "./artifact.ts";
export { canonicalBytes, canonicalize, type JsonValue, MAX_JSON_DEPTH } from "./canonical-json.ts";
export { type Ed25519, SMALL_ORDER_ENCODINGS } from "./ed25519.ts";
export { nobleEd25519 } from "./ed25519-noble.ts";
export { ENCRYPTION_SCHEME } from "./encryption.ts";
export {
  ENVELOPE_VERSION,
  MAX_ARMORED_LENGTH,
  MAX_PAYLOAD_BYTES,
  type OpenedDocument,
  type OpenOptions,
  openDocument,
  PURPOSE_PATTERN,
  type SealOptions,
  SIGNATURE_ALGORITHM,
  sealDocument,
  signedMessage,
} from "./envelope.ts";
export {
  isModelError,
  MODEL_ERROR_CODES,
  ModelError,
  type ModelErrorCode,
  type ValidationIssue,
} from "./errors.ts";
export {
  authorityKeyId,
  DELEGATED_LEASE_PURPOSE,
  DELEGATION_PURPOSE,
  type DelegatedLease,
  type Delegation,
  delegatedLeaseSchema,
  delegationSchema,
  MAX_DELEGATION_LIFETIME_MS,
  MAX_REVOKED_AUTHORITIES,
  type OpenDelegatedLeaseOptions,
  type OpenDelegationOptions,
  openDelegatedLease,
  openDelegation,
  sealDelegatedLease,
  sealDelegation,
} from "./fleet-delegation.ts";
export { createSigner, KEY_ID_PATTERN, type KeySet, type PublicKeyEntry, type Signer } from "./key-set.ts";
export { DOTNET_MIN_VALUE, fromLegacyDate, legacyFields, toLegacyDate } from "./legacy.ts";
export { isLegacyKey, keyLookupHash, legacyKeyLookupHash, parseLegacyKey } from "./legacy-key.ts";
export {
  type License,
  type LicenseUsage,
  type LicenseValidation,
  licenseSchema,
  UNLIMITED,
  validateLicense,
} from "./license.ts";
export {
  LICENSE_FILE_PURPOSE,
  type SignLicenseOptions,
  signLicense,
  type VerifyLicenseOptions,
  verifyLicenseFile,
} from "./license-file.ts";
export {
  CROCKFORD_ALPHABET,
  generateLicenseKey,
  isLicenseKey,
  LICENSE_KEY_PATTERN,
  licenseKeyLookupHash,
  parseLicenseKey,
} from "./license-key.ts";
export { randomBytes } from "./random.ts";
export {
  MAX_CLOCK_SKEW_MS,
  type OpenedReleaseIndex,
  type OpenReleaseIndexOptions,
  openReleaseIndex,
  RELEASE_INDEX_PURPOSE,
  type ReleaseIndexState,
  sealReleaseIndex,
} from "./release-index.ts";
export {
  type Artifact,
  artifactSchema,
  checkReleaseIndex,
  MAX_ARTIFACTS,
  MAX_FILE_NAME_LENGTH,
  MAX_INDEX_LIFETIME_MS,
  MAX_NOTES_LENGTH,
  MAX_RELEASES,
  type Release,
  type ReleaseIndex,
  type ReleaseIndexValidation,
  releaseIndexSchema,
} from "./release-index-schema.ts";
export { compareSemver, isSemver, MAX_SEMVER_LENGTH, parseSemver, type SemVer } from "./semver.ts";
export { bestUpgrade, type NoUpgradeReason, type UpgradeAnswer, type UpgradeQuery } from "./upgrade.ts";
export {
  GENESIS_HASH,
  MAX_RECEIPT_PAYLOAD_BYTES,
  type OpenedReceipt,
  openReceipt,
  type SignedReceipt,
  sealReceipt,
  USAGE_RECEIPT_PURPOSE,
  type UsageReceipt,
  usageReceiptSchema,
} from "./usage-receipt.ts";
