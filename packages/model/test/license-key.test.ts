import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isModelError } from "../src/errors.ts";
import {
  CROCKFORD_ALPHABET,
  generateLicenseKey,
  isLicenseKey,
  LICENSE_KEY_PATTERN,
  licenseKeyLookupHash,
  parseLicenseKey,
} from "../src/license-key.ts";

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return "ok";
  } catch (error) {
    if (!isModelError(error)) throw error;
    return error.code;
  }
};

describe("license keys", () => {
  it("generates normalized, parseable, distinct keys", () => {
    const keys = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const key = generateLicenseKey();
      expect(key).toMatch(LICENSE_KEY_PATTERN);
      expect(parseLicenseKey(key)).toBe(key);
      keys.add(key);
    }
    expect(keys.size).toBe(500);
  });

  it("accepts lower case, missing or extra separators, no prefix, and Crockford confusables", () => {
    const key = generateLicenseKey();
    const body = key.slice(3);
    const variants = [
      key.toLowerCase(),
      key.replaceAll("-", ""),
      ` ${key.replaceAll("-", " ")}\n`,
      body,
      body.replaceAll("-", "").toLowerCase(),
      `lk-${body}`,
      key.replaceAll("0", "O").replaceAll("1", "I"),
      key.replaceAll("1", "l"),
      key.replaceAll("0", "o"),
    ];
    for (const variant of variants) expect(parseLicenseKey(variant)).toBe(key);
  });

  it("catches every single mistyped symbol and every swap of neighbours", () => {
    fc.assert(
      fc.property(fc.constant(null), () => {
        const key = generateLicenseKey();
        const symbols = key.replaceAll("-", "").slice(2).split("");
        for (let i = 0; i < symbols.length; i++) {
          for (const replacement of CROCKFORD_ALPHABET) {
            if (replacement === symbols[i]) continue;
            const typo = symbols.with(i, replacement).join("");
            expect(codeOf(() => parseLicenseKey(typo))).toBe("key_checksum_mismatch");
          }
          if (i + 1 < symbols.length && symbols[i] !== symbols[i + 1]) {
            const swapped = symbols
              .with(i, symbols[i + 1]!)
              .with(i + 1, symbols[i]!)
              .join("");
            expect(codeOf(() => parseLicenseKey(swapped))).toBe("key_checksum_mismatch");
          }
        }
      }),
      { numRuns: 20 },
    );
  });

  it("rejects what cannot be a key with malformed_key", () => {
    const key = generateLicenseKey();
    for (const bad of [
      "",
      "LK-",
      key.slice(0, -1),
      `${key}0`,
      key.replace(/.$/, "U"),
      key.replace(/.$/, "*"),
      "x".repeat(500),
    ]) {
      expect(codeOf(() => parseLicenseKey(bad))).toBe("malformed_key");
      expect(isLicenseKey(bad)).toBe(false);
    }
    expect(codeOf(() => parseLicenseKey(42 as unknown as string))).toBe("malformed_key");
  });

  it("never throws anything but a typed error on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (input) => {
        expect(["ok", "malformed_key", "key_checksum_mismatch"]).toContain(
          codeOf(() => parseLicenseKey(input)),
        );
      }),
    );
  });

  it("hashes the normalized key for lookups", () => {
    const key = generateLicenseKey();
    const hash = licenseKeyLookupHash(key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(licenseKeyLookupHash(key.toLowerCase().replaceAll("-", ""))).toBe(hash);
    expect(licenseKeyLookupHash(generateLicenseKey())).not.toBe(hash);
  });
});
