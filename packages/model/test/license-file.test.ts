import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { armor, dearmor } from "../src/armor.ts";
import { fromBase64, toBase64 } from "../src/codec-node.ts";
import { nativeEd25519 } from "../src/ed25519-native.ts";
import { nobleEd25519 } from "../src/ed25519-noble.ts";
import { sealDocument } from "../src/envelope.ts";
import { isModelError } from "../src/errors.ts";
import { createSigner } from "../src/key-set.ts";
import { LICENSE_FILE_PURPOSE, signLicense, verifyLicenseFile } from "../src/license-file.ts";
import { generateLicenseKey } from "../src/license-key.ts";
import { licenseArbitrary } from "./arbitraries.ts";
import { KEY_ID, KEYS, PRIVATE_KEY, sampleLicense, signer } from "./fixtures.ts";
import { codeOf, rewrap } from "./helpers.ts";

/** verifyLicenseFile must either return a license or throw a ModelError: nothing else. */
function mustRejectTyped(text: string, licenseKey?: string): void {
  try {
    verifyLicenseFile(text, KEYS, { licenseKey });
  } catch (error) {
    if (isModelError(error)) return;
    throw error;
  }
  throw new Error("a damaged file verified");
}

describe("signLicense / verifyLicenseFile", () => {
  it("round-trips any valid license, with either implementation", () => {
    for (const ed25519 of [nativeEd25519, nobleEd25519]) {
      const implSigner = createSigner(KEY_ID, PRIVATE_KEY, ed25519);
      fc.assert(
        fc.property(licenseArbitrary, (license) => {
          const text = signLicense(license, implSigner);
          expect(text.startsWith("-----BEGIN LICENSE FILE-----\n")).toBe(true);
          expect(verifyLicenseFile(text, KEYS, { ed25519 })).toEqual(license);
          expect(signLicense(license, signer)).toBe(text); // deterministic and implementation-independent
        }),
        { numRuns: ed25519 === nobleEd25519 ? 15 : 200 },
      );
    }
  });

  it("round-trips encrypted files for the key holder only", () => {
    fc.assert(
      fc.property(licenseArbitrary, (license) => {
        const key = generateLicenseKey();
        const text = signLicense(license, signer, { encryptWith: key });
        expect(verifyLicenseFile(text, KEYS, { licenseKey: key })).toEqual(license);
        expect(codeOf(() => verifyLicenseFile(text, KEYS))).toBe("key_required");
      }),
      { numRuns: 30 },
    );
  });

  it("refuses to sign an invalid license, listing every problem", () => {
    try {
      signLicense(sampleLicense({ endDate: "2000-01-01T00:00:00Z", seats: -3 }), signer);
      expect.unreachable();
    } catch (error) {
      expect(isModelError(error, "invalid_payload")).toBe(true);
      const { issues, message } = error as { issues: { path: string }[]; message: string };
      expect(issues.map((i) => i.path).sort()).toEqual(["endDate", "seats"]);
      expect(message).toContain("endDate: must be after startDate");
    }
    expect(codeOf(() => signLicense(sampleLicense({ keyId: "k1999" }), signer))).toBe("invalid_payload");
  });

  it("rejects an authentic file whose content is not a valid license", () => {
    const seal = (payload: unknown) => sealDocument({ purpose: LICENSE_FILE_PURPOSE, payload, signer });
    expect(codeOf(() => verifyLicenseFile(seal({ hello: "world" }), KEYS))).toBe("invalid_payload");
    expect(codeOf(() => verifyLicenseFile(seal({ ...sampleLicense(), keyId: "k-other" }), KEYS))).toBe(
      "invalid_payload",
    );
    expect(codeOf(() => verifyLicenseFile(seal([1, 2]), KEYS))).toBe("invalid_payload");
  });

  it("rejects a file signed for another purpose", () => {
    const lease = sealDocument({ purpose: "lease", payload: sampleLicense(), signer });
    expect(codeOf(() => verifyLicenseFile(lease, KEYS))).toBe("wrong_purpose");
  });
});

describe("damaged and hostile input", () => {
  const license = sampleLicense();
  const file = signLicense(license, signer);
  const licenseKey = generateLicenseKey();
  const encryptedFile = signLicense(license, signer, { encryptWith: licenseKey });

  it("random text never verifies and only ever raises typed errors", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 3000 }), (text) => mustRejectTyped(text)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        mustRejectTyped(new TextDecoder("latin1").decode(bytes));
        mustRejectTyped(armor("LICENSE FILE", bytes)); // random envelope bytes behind valid armor
      }),
      { numRuns: 300 },
    );
  });

  it("random JSON envelopes never verify and only ever raise typed errors", () => {
    const field = fc.oneof(
      fc.jsonValue(),
      fc.base64String(),
      fc.constantFrom("Ed25519", "license-file", KEY_ID, 2),
    );
    const envelope = fc.dictionary(
      fc.constantFrom("version", "alg", "enc", "keyId", "purpose", "payload", "signature", "x"),
      field,
    );
    fc.assert(
      fc.property(envelope, (e) =>
        mustRejectTyped(armor("LICENSE FILE", new TextEncoder().encode(JSON.stringify(e)))),
      ),
      { numRuns: 300 },
    );
  });

  it("no single bit flip anywhere in an encrypted file verifies or decrypts", () => {
    fc.assert(
      fc.property(fc.nat(encryptedFile.length - 1), fc.nat(7), (index, bit) => {
        const flipped = String.fromCharCode(encryptedFile.charCodeAt(index) ^ (1 << bit));
        mustRejectTyped(encryptedFile.slice(0, index) + flipped + encryptedFile.slice(index + 1), licenseKey);
      }),
      { numRuns: 1000 },
    );
  });

  it("no bit flip inside the envelope or the payload verifies", () => {
    const { bytes } = dearmor(file);
    fc.assert(
      fc.property(fc.nat(bytes.length * 8 - 1), (bit) => {
        const damaged = bytes.slice();
        damaged[bit >> 3]! ^= 1 << (bit & 7);
        mustRejectTyped(armor("LICENSE FILE", damaged));
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.nat(3000), fc.nat(7), (index, bit) => {
        const damaged = rewrap(file, (e) => {
          const payload = fromBase64(e.payload as string)!;
          payload[index % payload.length]! ^= 1 << bit;
          return { ...e, payload: toBase64(payload) };
        });
        expect(codeOf(() => verifyLicenseFile(damaged, KEYS))).toBe("bad_signature");
      }),
      { numRuns: 300 },
    );
  });

  it("no single bit flip of a license file verifies (all of them, exhaustively)", () => {
    for (let index = 0; index < file.length; index++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped = String.fromCharCode(file.charCodeAt(index) ^ (1 << bit));
        mustRejectTyped(file.slice(0, index) + flipped + file.slice(index + 1));
      }
    }
  });
});
