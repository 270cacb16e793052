// License keys: what a person types or pastes. 29 random Crockford base32 symbols (145 bits) and one
// check symbol, in six groups of five after an `LK-` prefix:
//
//   LK-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX
//
// The check symbol makes the weighted sum  Σ (i+1)·value(symbol i)  over all 30 symbols ≡ 0 (mod 37).
// 37 is prime and larger than any difference of two symbol values, so every single mistyped symbol
// and every swap of two neighbours is caught. Crockford's own check uses mod 37 with five extra
// symbols (*~$=U) that are awkward to type; instead, keys whose check value would be 32..36 are
// simply never generated (costing 0.2 bits of the 145), so the check is an ordinary symbol.
// The key is a credential: the server stores only licenseKeyLookupHash(key).

import { utf8 } from "./bytes.ts";
import { ModelError } from "./errors.ts";
import { randomBytes } from "./random.ts";
import { sha256Hex } from "./sha256.ts";

/** Crockford base32 symbols, in value order. */
export const CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** The normalized form parseLicenseKey returns. */
export const LICENSE_KEY_PATTERN = /^LK(?:-[0-9A-HJKMNP-TV-Z]{5}){6}$/;

const DATA_SYMBOLS = 29;
const SYMBOLS = DATA_SYMBOLS + 1;
const PREFIX = "LK";
const CHECK_MODULUS = 37;
const INVERSE_OF_LAST_WEIGHT = 21; // 30 · 21 = 630 ≡ 1 (mod 37)

const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) {
  VALUES[CROCKFORD_ALPHABET.charCodeAt(i)] = i;
  VALUES[CROCKFORD_ALPHABET.toLowerCase().charCodeAt(i)] = i;
}
// Crockford's confusables: O reads as 0, I and L read as 1.
for (const [letter, value] of [
  ["O", 0],
  ["I", 1],
  ["L", 1],
] as const) {
  VALUES[letter.charCodeAt(0)] = value;
  VALUES[letter.toLowerCase().charCodeAt(0)] = value;
}

/** A new random license key in normalized form. */
export function generateLicenseKey(): string {
  for (;;) {
    const values = randomBytes(DATA_SYMBOLS);
    for (let i = 0; i < DATA_SYMBOLS; i++) values[i]! &= 31; // 256 is a multiple of 32: uniform
    const check = checkValue(values);
    if (check < 32) return format([...values, check]);
  }
}

/**
 * Normalizes what a person typed into the `LK-XXXXX-…` form. Accepts lower case, missing or extra
 * dashes and spaces, a missing `LK` prefix, and O/I/L for 0/1. Throws ModelError `malformed_key`
 * when it cannot be a key, `key_checksum_mismatch` when a symbol is mistyped.
 */
export function parseLicenseKey(input: string): string {
  if (typeof input !== "string") throw new ModelError("malformed_key", "A license key must be text.");
  if (input.length > 100) throw new ModelError("malformed_key", "This is too long to be a license key.");
  let compact = input.replace(/[\s-]+/g, "");
  if (compact.length === SYMBOLS + PREFIX.length && compact.slice(0, 2).toUpperCase() === PREFIX) {
    compact = compact.slice(2);
  }
  if (compact.length !== SYMBOLS) {
    throw new ModelError(
      "malformed_key",
      `A license key has ${SYMBOLS} letters and digits after "LK-" (found ${compact.length}); check it was copied whole.`,
    );
  }
  const values: number[] = [];
  for (let i = 0; i < SYMBOLS; i++) {
    const code = compact.charCodeAt(i);
    const value = code < 128 ? VALUES[code]! : -1;
    if (value < 0) {
      throw new ModelError(
        "malformed_key",
        `"${compact[i]}" cannot appear in a license key (symbol ${i + 1}); keys use digits and letters except U.`,
      );
    }
    values.push(value);
  }
  if (weightedSum(values) % CHECK_MODULUS !== 0) {
    throw new ModelError(
      "key_checksum_mismatch",
      "This license key contains a typo (its check character does not match); compare it symbol by symbol with the original.",
    );
  }
  return format(values);
}

/** True when `input` parses as a license key. */
export function isLicenseKey(input: string): boolean {
  try {
    parseLicenseKey(input);
    return true;
  } catch {
    return false;
  }
}

/** SHA-256 (lower-case hex) of the normalized key's ASCII bytes: the only form the server stores. */
export function licenseKeyLookupHash(key: string): string {
  return sha256Hex(utf8(parseLicenseKey(key)));
}

function weightedSum(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (i + 1) * values[i]!;
  return sum;
}

function checkValue(data: Uint8Array): number {
  const rest = weightedSum(data) % CHECK_MODULUS;
  return (((CHECK_MODULUS - rest) % CHECK_MODULUS) * INVERSE_OF_LAST_WEIGHT) % CHECK_MODULUS;
}

function format(values: ArrayLike<number>): string {
  let out = PREFIX;
  for (let i = 0; i < values.length; i++) {
    if (i % 5 === 0) out += "-";
    out += CROCKFORD_ALPHABET[values[i]!];
  }
  return out;
}
