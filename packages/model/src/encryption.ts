// Optional payload encryption, so only the holder of the license key can read a file.
//
// Encrypt-then-sign: the signature covers the encrypted bytes. The distribution service and the
// future license server never hold license keys (only their lookup hashes), yet must be able to
// check a file's signature before storing or serving it; signing the ciphertext allows exactly that.
// Binding is still complete: salt, nonce, ciphertext and tag are all inside the signed bytes, the
// purpose is the GCM associated data, and a valid signature proves the issuer produced that exact
// ciphertext, so a reader who decrypts it knows the plaintext came from the issuer.
//
// Encrypted payload bytes: salt (16) ‖ nonce (12) ‖ AES-256-GCM ciphertext ‖ tag (16), where
//   key = HKDF-SHA256(ikm = ASCII normalized license key, salt, info = "<purpose>/v2 A256GCM", 32)
//   aad = "<purpose>/v2." (the signature's domain-separation prefix)
// A fresh random salt per file gives a fresh key per file, so nonces can never repeat under one key.
import { gcm } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8 } from "./bytes.ts";
import { ModelError } from "./errors.ts";

/** The value of the envelope's `enc` field for this scheme. */
export const ENCRYPTION_SCHEME = "A256GCM";
export const SALT_LENGTH = 16;
export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
const OVERHEAD = SALT_LENGTH + NONCE_LENGTH + TAG_LENGTH;

/** Source of random bytes; replaceable only to produce deterministic test vectors. */
export type RandomBytes = (length: number) => Uint8Array;

export const secureRandomBytes: RandomBytes = (length) => crypto.getRandomValues(new Uint8Array(length));

/** Encrypts `plaintext` for the holder of `licenseKey` (already normalized). */
export function encryptPayload(
  plaintext: Uint8Array,
  licenseKey: string,
  purpose: string,
  version: number,
  randomBytes: RandomBytes = secureRandomBytes,
): Uint8Array {
  const salt = randomBytes(SALT_LENGTH);
  const nonce = randomBytes(NONCE_LENGTH);
  if (salt.length !== SALT_LENGTH || nonce.length !== NONCE_LENGTH) {
    throw new ModelError("invalid_argument", "randomBytes returned the wrong number of bytes.");
  }
  const key = deriveKey(licenseKey, salt, purpose, version);
  const sealed = gcm(key, nonce, utf8(`${purpose}/v${version}.`)).encrypt(plaintext);
  const out = new Uint8Array(SALT_LENGTH + NONCE_LENGTH + sealed.length);
  out.set(salt, 0);
  out.set(nonce, SALT_LENGTH);
  out.set(sealed, SALT_LENGTH + NONCE_LENGTH);
  return out;
}

/** Decrypts what encryptPayload produced. Throws ModelError `decryption_failed` on a wrong key. */
export function decryptPayload(
  encrypted: Uint8Array,
  licenseKey: string,
  purpose: string,
  version: number,
): Uint8Array {
  if (encrypted.length < OVERHEAD) {
    throw new ModelError(
      "malformed_envelope",
      "The encrypted payload is too short to hold salt, nonce and tag.",
    );
  }
  const salt = encrypted.subarray(0, SALT_LENGTH);
  const nonce = encrypted.subarray(SALT_LENGTH, SALT_LENGTH + NONCE_LENGTH);
  const key = deriveKey(licenseKey, salt, purpose, version);
  try {
    return gcm(key, nonce, utf8(`${purpose}/v${version}.`)).decrypt(
      encrypted.subarray(SALT_LENGTH + NONCE_LENGTH),
    );
  } catch {
    throw new ModelError(
      "decryption_failed",
      "The file is encrypted for a different license key: check the key belongs to this license.",
    );
  }
}

/** The AES-256 key for one document (exported for test vectors). */
export function deriveKey(
  licenseKey: string,
  salt: Uint8Array,
  purpose: string,
  version: number,
): Uint8Array {
  return hkdf(sha256, utf8(licenseKey), salt, utf8(`${purpose}/v${version} ${ENCRYPTION_SCHEME}`), 32);
}
