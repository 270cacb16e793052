// License files: signed documents of purpose `license-file` whose payload is a v2 License.
import type { Ed25519 } from "./ed25519.ts";
import type { RandomBytes } from "./encryption.ts";
import { openDocument, sealDocument } from "./envelope.ts";
import { ModelError, type ValidationIssue } from "./errors.ts";
import type { KeySet, Signer } from "./key-set.ts";
import { checkLicense, type License, vouchForLicense } from "./license.ts";

export const LICENSE_FILE_PURPOSE = "license-file";

export type SignLicenseOptions = {
  /** The license key: encrypt the file so only its holder can read it. */
  encryptWith?: string;
  /** Only for deterministic test vectors. */
  randomBytes?: RandomBytes;
};

export type VerifyLicenseOptions = {
  /** The license key; required for an encrypted file, ignored otherwise. */
  licenseKey?: string;
  /** Verification implementation; the platform's fastest by default. */
  ed25519?: Ed25519;
};

/**
 * Validates `license`, canonicalizes it and signs it as a license file. Throws ModelError
 * `invalid_payload` listing every problem when the license is not valid, or when its `keyId` is not
 * the signer's.
 */
export function signLicense(license: License, signer: Signer, options: SignLicenseOptions = {}): string {
  // checkLicense, not validateLicense: a copy the schema built is only used here, so it needs no
  // freezing to be vouched for.
  const result = checkLicense(license);
  if (!result.ok) throw invalidLicense("The license cannot be signed", result.issues);
  if (result.license !== license) vouchForLicense(result.license);
  if (result.license.keyId !== signer.keyId) {
    throw invalidLicense("The license cannot be signed", [
      { path: "keyId", message: `must be the signing key's id "${signer.keyId}"` },
    ]);
  }
  return sealDocument({
    purpose: LICENSE_FILE_PURPOSE,
    payload: result.license,
    signer,
    encryptWith: options.encryptWith,
    randomBytes: options.randomBytes,
  });
}

/**
 * Verifies a license file against trusted public keys and returns its license. Throws ModelError
 * (malformed_armor, unknown_key, bad_signature, key_required, decryption_failed, invalid_payload, …).
 */
export function verifyLicenseFile(text: string, keys: KeySet, options: VerifyLicenseOptions = {}): License {
  const opened = openDocument(text, {
    purpose: LICENSE_FILE_PURPOSE,
    keys,
    decryptWith: options.licenseKey,
    ed25519: options.ed25519,
  });
  const result = checkLicense(opened.payload);
  if (!result.ok)
    throw invalidLicense(
      "The license file is authentic but its content is not a valid v2 license",
      result.issues,
    );
  if (result.license.keyId !== opened.keyId) {
    throw invalidLicense("The license file is inconsistent", [
      {
        path: "keyId",
        message: `says "${result.license.keyId}" but the file is signed with "${opened.keyId}"`,
      },
    ]);
  }
  return result.license;
}

function invalidLicense(context: string, issues: ValidationIssue[]): ModelError {
  // The message names the first problems; the full list is on `issues`.
  const shown = issues.slice(0, 10).map((i) => `${i.path || "(license)"}: ${i.message}`);
  if (issues.length > shown.length) shown.push(`and ${issues.length - shown.length} more`);
  return new ModelError("invalid_payload", `${context}: ${shown.join("; ")}.`, { issues });
}
