import { AppError, type SignablePurpose, signablePurposes } from "@licensing/contracts";
import { isModelError, LICENSE_FILE_PURPOSE, sealDocument } from "@licensing/model";
import type { SigningKeys } from "./signing-keys.ts";

/**
 * Signs the distribution service's documents (machine activations, fleet leases, status answers)
 * with the active key, so private keys never leave the issuer. Only an allow-list of purposes: a
 * caller on the bus can never obtain a license file this way, whatever it sends.
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
    const signer = await this.#signingKeys.signer();
    try {
      return { document: sealDocument({ purpose, payload, signer }), keyId: signer.keyId };
    } catch (error) {
      if (isModelError(error)) throw AppError.validation([{ path: "payload", message: error.message }]);
      throw error;
    }
  }
}
