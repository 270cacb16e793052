// Checking a downloaded artifact against the size and SHA-256 its signed release index gives, as the
// bytes stream in: a server (or a mirror, or a proxy) sending an endless or altered file is caught
// at the first byte too many, and nothing is reported done before the digest matches.
import { createSha256 } from "#sha256";
import { toHex } from "./bytes.ts";
import { ModelError } from "./errors.ts";

/** Checks a download chunk by chunk. */
export type ArtifactVerifier = {
  /** Adds the next bytes. Throws ModelError `artifact_size_mismatch` past the expected size. */
  update(chunk: Uint8Array): void;
  /** Bytes received so far. */
  readonly received: number;
  /**
   * Checks the whole: throws ModelError `artifact_size_mismatch` when bytes are missing,
   * `artifact_hash_mismatch` when the digest differs. Returns the digest (lower-case hex).
   */
  finish(): string;
};

/** A verifier for an artifact of `size` bytes whose SHA-256 is `sha256` (lower-case hex). */
export function createArtifactVerifier(expected: { size: number; sha256: string }): ArtifactVerifier {
  const { size, sha256 } = expected ?? {};
  if (!Number.isSafeInteger(size) || size < 0)
    throw new ModelError("invalid_argument", "size must be a whole number of bytes.");
  if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256))
    throw new ModelError("invalid_argument", "sha256 must be 64 lower-case hex digits.");
  const hash = createSha256();
  let received = 0;
  let state: "open" | "failed" | "done" = "open";
  const fail = (error: ModelError): never => {
    state = "failed";
    throw error;
  };
  return {
    get received() {
      return received;
    },
    update(chunk) {
      if (state !== "open") throw new ModelError("invalid_argument", `This verifier is ${state}.`);
      if (!(chunk instanceof Uint8Array)) throw new ModelError("invalid_argument", "A chunk must be bytes.");
      received += chunk.length;
      if (received > size) {
        fail(
          new ModelError(
            "artifact_size_mismatch",
            `The download is longer than the ${size} bytes the release index gives: at least ${received} bytes arrived. The file is not the one released.`,
          ),
        );
      }
      hash.update(chunk);
    },
    finish() {
      if (state !== "open") throw new ModelError("invalid_argument", `This verifier is ${state}.`);
      if (received !== size) {
        fail(
          new ModelError(
            "artifact_size_mismatch",
            `The download is ${received} bytes, not the ${size} bytes the release index gives: it was cut short.`,
          ),
        );
      }
      const digest = toHex(hash.digest());
      if (digest !== sha256) {
        fail(
          new ModelError(
            "artifact_hash_mismatch",
            `The download's SHA-256 is ${digest}, not ${sha256} as the release index gives: the file was altered or corrupted.`,
          ),
        );
      }
      state = "done";
      return digest;
    },
  };
}
