import { AppError, purposeKeyRole, type SignablePurpose, signablePurposes } from "@licensing/contracts";
import {
  isModelError,
  LICENSE_FILE_PURPOSE,
  type ReleaseIndex,
  sealDocument,
  sealReleaseIndex,
} from "@licensing/model";
import type { SigningKeys } from "./signing-keys.ts";

/**
 * Signs the distribution service's documents (machine activations, fleet leases, status answers
 * with the active license key; release indexes with the active release key), so private keys never
 * leave the issuer. Only an allow-list of purposes: a caller on the bus can never obtain a license
 * file this way, whatever it sends, nor a release index signed by a license key.
 */
export class DocumentSigner {
  readonly #signingKeys: SigningKeys;

  constructor(signingKeys: SigningKeys) {
    this.#signingKeys = signingKeys;
  }

  async sign(purpose: SignablePurpose, payload: Record<string, unknown>) {
    // The contract's enum already refuses other purposes; this holds even if it is ever widened.
    if (!signablePurposes.includes(purpose) || (purpose as string) === LICENSE_FILE_PURPOSE) {
      throw AppError.validation([
        { path: "purpose", message: `${purpose} is not a purpose the issuer signs` },
      ]);
    }
    const signer = await this.#signingKeys.signer(purposeKeyRole[purpose]);
    try {
      const document =
        purpose === "release-index"
          ? // Checked as a release index (releases, artifacts, expiry) before it is signed.
            sealReleaseIndex(payload as ReleaseIndex, signer)
          : sealDocument({ purpose, payload, signer });
      return { document, keyId: signer.keyId };
    } catch (error) {
      if (isModelError(error)) throw AppError.validation([{ path: "payload", message: error.message }]);
      throw error;
    }
  }
}
