// The Ed25519 interface both implementations share, and the verification rules that make them
// accept exactly the same signatures.
//
// Ed25519 libraries disagree on edge cases RFC 8032 leaves open ("Taming the many EdDSAs",
// Chalkias et al. 2020). We pin one rule set, the one libsodium uses, and enforce it identically in
// both implementations (noble's own default, ZIP-215, is looser, and OpenSSL alone is looser still):
//   1. S must be canonical: 0 ≤ S < L.
//   2. The public key A must be a canonical encoding (y < p, and no "negative zero" x), must decode
//      to a curve point, and must not be of small order (one of the 8 torsion points).
//   3. R must not be the encoding of a small-order point.
//   4. Cofactorless equation, checked on encodings: encode([S]B − [k]A) == R (byte for byte), with
//      k = SHA-512(R ‖ A ‖ M) mod L over the bytes as received. A non-canonical R can never match.
// Mixed-order A or R (a torsion component added to a valid point) therefore behave the same on both
// paths: they verify only when the cofactorless equation holds exactly, as in OpenSSL and libsodium.

import { ModelError } from "./errors.ts";

/** Synchronous Ed25519 over raw keys: 32-byte private seeds, 32-byte public keys, 64-byte signatures. */
export interface Ed25519 {
  /** Which implementation this is, for diagnostics and benchmarks. */
  readonly name: "native" | "noble";
  generateKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array };
  getPublicKey(privateKey: Uint8Array): Uint8Array;
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Strict verification (rules above). Never throws: anything malformed is simply `false`. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** The group order L, little-endian, for the canonical-S check. */
const L_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/**
 * The canonical encodings of the eight points of order 1, 2, 4 and 8. Non-canonical encodings of
 * the same points are refused by the canonical-encoding check, so this list is complete for A; for
 * R a non-canonical encoding fails the byte comparison of rule 4.
 */
export const SMALL_ORDER_ENCODINGS: readonly string[] = [
  "0100000000000000000000000000000000000000000000000000000000000000",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
];
const SMALL_ORDER = SMALL_ORDER_ENCODINGS.map((hex) =>
  Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16)),
);

/** Rule 1: the little-endian scalar is below L. */
export function isCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! < L_LE[i]!) return true;
    if (s[i]! > L_LE[i]!) return false;
  }
  return false; // equal to L
}

/** Rule 2 (encoding part): y < p = 2^255 − 19, and x = 0 is not written with its sign bit set. */
export function isCanonicalPointEncoding(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  // y ≥ p only when the 255-bit y is 2^255 − 19 … 2^255 − 1: all ones except a low byte ≥ 0xed.
  let allOnes = (bytes[31]! & 0x7f) === 0x7f;
  for (let i = 30; allOnes && i >= 1; i--) allOnes = bytes[i] === 0xff;
  if (allOnes && bytes[0]! >= 0xed) return false;
  // x = 0 only for y = 1 and y = p − 1; with the sign bit set those encodings are non-canonical.
  if (bytes[31]! & 0x80) {
    // A copy: a Node Buffer's slice() is a view, and clearing its bit would alter the caller's key.
    const y = Uint8Array.from(bytes);
    y[31]! &= 0x7f;
    if (equal32(y, SMALL_ORDER[0]!) || equal32(y, SMALL_ORDER[1]!)) return false;
  }
  return true;
}

/** Rules 2 and 3: the encoding is one of the eight small-order points. */
export function isSmallOrderEncoding(bytes: Uint8Array): boolean {
  for (const point of SMALL_ORDER) if (equal32(bytes, point)) return true;
  return false;
}

/** Rule 2 without the on-curve part (each implementation decodes the point itself). */
export function isAcceptablePublicKeyEncoding(bytes: Uint8Array): boolean {
  return isCanonicalPointEncoding(bytes) && !isSmallOrderEncoding(bytes);
}

/** Shape checks shared by both verify functions; true when the inputs can be worth verifying. */
export function passesPreChecks(publicKey: unknown, message: unknown, signature: unknown): boolean {
  if (
    !(publicKey instanceof Uint8Array) ||
    !(message instanceof Uint8Array) ||
    !(signature instanceof Uint8Array)
  ) {
    return false;
  }
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  return isCanonicalScalar(signature.subarray(32)) && !isSmallOrderEncoding(signature.subarray(0, 32));
}

/** Throws a typed error for a private key of the wrong shape (a programming error, not bad input). */
export function assertPrivateKey(privateKey: unknown): asserts privateKey is Uint8Array {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
    throw new ModelError(
      "invalid_argument",
      "An Ed25519 private key is a 32-byte Uint8Array (the RFC 8032 seed).",
    );
  }
}

function equal32(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}
