// Signing within the platform's size limits. Every check here runs before anything is stored, so a
// license too large to carry is refused with 413 and never half-created.
import { AppError, formatBytes } from "@licensing/contracts";
import {
  canonicalBytes,
  isModelError,
  type License,
  MAX_PAYLOAD_BYTES,
  type Signer,
  signLicense,
} from "@licensing/model";

/**
 * The signed files of one creation request, together, at most (16 MiB): its answer carries every
 * one of them and must stay well inside what the bus carries (64 MiB, by reference).
 */
export const MAX_BATCH_FILE_BYTES = 16 * 1024 * 1024;

/** Signs `license`, or refuses with `payload_too_large` when its content passes the model's limit. */
export function signWithinLimit(license: License, signer: Signer, options: { encryptWith?: string }): string {
  try {
    return signLicense(license, signer, options);
  } catch (error) {
    if (!isModelError(error) || error.code !== "too_large") throw error;
    const size = canonicalBytes(license).length;
    throw new AppError(
      "payload_too_large",
      `The license's content is ${formatBytes(size)}; a license file carries at most ` +
        `${formatBytes(MAX_PAYLOAD_BYTES)}. Shorten its metadata or restrictions.`,
      { limitBytes: MAX_PAYLOAD_BYTES, sizeBytes: size },
    );
  }
}

/**
 * Refuses a batch whose files would pass MAX_BATCH_FILE_BYTES together. Called after signing the
 * first license: the licenses of a batch share their parameters, so their files are the same size
 * within a few bytes, and the refusal comes before the others are signed.
 */
export function checkBatchSize(fileLength: number, count: number): void {
  const total = fileLength * count;
  if (count > 1 && total > MAX_BATCH_FILE_BYTES) {
    throw new AppError(
      "payload_too_large",
      `${count} licenses of ${formatBytes(fileLength)} each make ${formatBytes(total)}; one request ` +
        `creates at most ${formatBytes(MAX_BATCH_FILE_BYTES)} of license files. Create fewer at a time.`,
      { limitBytes: MAX_BATCH_FILE_BYTES, sizeBytes: total },
    );
  }
}
